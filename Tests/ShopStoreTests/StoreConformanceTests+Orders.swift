import ShopDomain
import ShopSupport
import ShopTestSupport
import Synchronization
import Testing

@testable import ShopStore

/// Orders on both stores: idempotency, cancellation, concurrency, picks, stock changes and listings.
extension StoreConformanceTests {
    /// Lines in two currencies, or a total past Int64, are refused as OrderPricing says, and nothing is
    /// reserved or written (on PostgreSQL the check runs inside `place_order`, before any write).
    @Test(arguments: StoreKind.tested)
    func pricesThatMakeNoTotalWriteNothing(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            try await repository.database.query("UPDATE products SET currency = 'USD' WHERE sku = 'SKU-00003'")
            try await repository.database.query("UPDATE products SET price_minor = 4611686018427387904 WHERE sku = 'SKU-00005'")
            let stock1 = try await repository.stock(SKU("SKU-00001")!).quantity
            let stock5 = try await repository.stock(SKU("SKU-00005")!).quantity
            await #expect(throws: ShopError.validation([FieldIssue(field: "items[1].sku", message: "is priced in USD, the order in EUR")])) {
                try await repository.placeOrder(try request(("SKU-00001", 1), ("SKU-00003", 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            }
            await #expect(throws: ShopError.validation([FieldIssue(field: "items[1].quantity", message: "makes the order total overflow")])) {
                try await repository.placeOrder(try request(("SKU-00001", 1), ("SKU-00005", 2)), customerID: "c1", idempotencyKey: "k", at: Self.t0)
            }
            #expect(try await repository.stock(SKU("SKU-00001")!).quantity == stock1)
            #expect(try await repository.stock(SKU("SKU-00005")!).quantity == stock5)
            for table in ["orders", "payments", "audit_log", "idempotency_keys"] {
                #expect(try await repository.database.query("SELECT COUNT(*) FROM \(raw: table)").first?.int(0) == 0, "\(table)")
            }
            let placed = try await repository.placeOrder(try request(("SKU-00005", 1)), customerID: "c1", idempotencyKey: "k", at: Self.t0)
            #expect(placed.order.total == Money(minorUnits: 4611686018427387904, currency: .eur) && !placed.replayed)
        }
    }

    /// A replay answers what the first request got, whatever happened to the order since.
    @Test(arguments: StoreKind.tested)
    func aReplayAfterCancellingAnswersTheOrderAsPlaced(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let order = try request(("SKU-00006", 2), ("SKU-00002", 1))
            let placed = try await repository.placeOrder(order, customerID: "c1", idempotencyKey: "again", at: Self.t0)
            _ = try await repository.closeOrder(
                id: placed.order.id, as: .cancelled, by: Self.customer, at: Timestamp(millisecondsSinceEpoch: Self.t0.millisecondsSinceEpoch + 5_000))
            let replay = try await repository.placeOrder(
                order, customerID: "c1", idempotencyKey: "again", at: Timestamp(millisecondsSinceEpoch: Self.t0.millisecondsSinceEpoch + 9_000))
            #expect(replay.replayed && replay.order == placed.order && replay.paymentID == placed.paymentID)
            #expect(replay.order.lines.map(\.sku.code) == ["SKU-00006", "SKU-00002"])
        }
    }

    @Test(arguments: StoreKind.tested)
    func anIdempotencyKeyPlacesOneOrderAndRefusesAnotherBody(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let order = try request(("SKU-00004", 2))
            let results = try await withThrowingTaskGroup(of: PlacedOrder.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await repository.placeOrder(order, customerID: "c1", idempotencyKey: "key-1", at: Self.t0) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(results.map(\.order.id)).count == 1)
            #expect(results.allSatisfy { $0.order == results[0].order }, "a replay answers the order as it was placed")
            #expect(results.filter { !$0.replayed }.count == 1)
            #expect(Set(results.map(\.paymentID)).count == 1)
            let count = try await repository.database.query("SELECT COUNT(*) FROM orders")
            #expect(try count.first?.int(0) == 1)
            await #expect(throws: ShopError.idempotencyKeyReused) {
                try await repository.placeOrder(try request(("SKU-00004", 3)), customerID: "c1", idempotencyKey: "key-1", at: Self.t0)
            }
            // Keys belong to one customer: another may use the same string.
            let other = try await repository.placeOrder(order, customerID: "c2", idempotencyKey: "key-1", at: Self.t0)
            #expect(!other.replayed && other.order.id != results[0].order.id)
        }
    }

    @Test(arguments: StoreKind.tested)
    func cancellingReleasesStockExactlyOnce(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let sku = SKU("SKU-00005")!
            let before = try await repository.stock(sku).quantity
            let placed = try await repository.placeOrder(try request(("SKU-00005", 4)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        (try? await repository.closeOrder(id: placed.order.id, as: .cancelled, by: Self.customer, at: Self.t0)) != nil
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            #expect(try await repository.stock(sku).quantity == before)
            #expect(try await repository.order(id: placed.order.id).status == .cancelled)
            #expect(try await repository.payment(orderID: placed.order.id).status == .voided)
            await #expect(throws: ShopError.invalidState(resource: "order", state: "cancelled", action: "cancel")) {
                try await repository.closeOrder(id: placed.order.id, as: .cancelled, by: Self.customer, at: Self.t0)
            }
        }
    }

    @Test(arguments: StoreKind.tested)
    func twoHundredConcurrentOrdersForFiftyUnitsSellExactlyFifty(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let sku = SKU("SKU-00007")!
            _ = try await repository.changeStock(sku, .set(quantity: 50, reason: "test"), by: Self.warehouse, at: Self.t0)
            let order = try request(("SKU-00007", 1))
            let results = await withTaskGroup(of: Result<PlacedOrder, any Error>.self) { group in
                for i in 0..<200 {
                    group.addTask {
                        do {
                            return .success(try await repository.placeOrder(order, customerID: "c\(i)", idempotencyKey: nil, at: Self.t0))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let placed = results.compactMap { try? $0.get() }
            let refusals = results.compactMap { result -> ShopError? in
                if case .failure(let error) = result { return error as? ShopError }
                return nil
            }
            // A lease shed under the load of every suite at once (unreachable, nothing sold) is the only
            // other failure allowed.
            let shed = results.filter { if case .failure(StoreError.unreachable) = $0 { true } else { false } }.count
            #expect(placed.count == 50)
            #expect(refusals.count + shed == 150 && shed <= 10)
            #expect(refusals.allSatisfy { if case .insufficientStock(sku, 0, 1) = $0 { true } else { false } })
            #expect(try await repository.stock(sku).quantity == 0)
            let sold = try await repository.database.query("SELECT SUM(quantity) FROM order_items WHERE sku = \(sku.code)")
            #expect(try sold.first?.int(0) == 50)
        }
    }

    @Test(arguments: StoreKind.tested)
    func twoPickersRacingForTheLastUnitExactlyOneWins(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let sku = SKU("SKU-00008")!
            for round in 0..<5 {
                _ = try await repository.changeStock(sku, .set(quantity: 1, reason: "round \(round)"), by: Self.warehouse, at: Self.t0)
                async let first = result {
                    try await repository.changeStock(sku, .pick(quantity: 1, reference: "a"), by: Self.warehouse, at: Self.t0)
                }
                async let second = result {
                    try await repository.changeStock(sku, .pick(quantity: 1, reference: "b"), by: Self.warehouse, at: Self.t0)
                }
                let outcomes = await [first, second]
                #expect(outcomes.filter { (try? $0.get())?.quantity == 0 }.count == 1)
                #expect(
                    outcomes.contains {
                        if case .failure(ShopError.insufficientStock(sku, 0, 1)) = $0 { true } else { false }
                    })
                #expect(try await repository.stock(sku).quantity == 0)
            }
        }
    }

    @Test(arguments: StoreKind.tested)
    func stockChangesAreBoundedAndAudited(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let sku = SKU("SKU-00009")!
            #expect(try await repository.changeStock(sku, .set(quantity: 10, reason: "count"), by: Self.warehouse, at: Self.t0).quantity == 10)
            // A later millisecond: UUIDv7 ids order rows across milliseconds, not within one.
            #expect(
                try await repository.changeStock(sku, .adjust(delta: -4, reason: "damaged"), by: Self.warehouse, at: Self.t0.adding(milliseconds: 1))
                    .quantity == 6)
            await #expect(throws: ShopError.insufficientStock(sku: sku, available: 6, requested: 7)) {
                try await repository.changeStock(sku, .adjust(delta: -7, reason: "lost"), by: Self.warehouse, at: Self.t0)
            }
            await #expect(throws: ShopError.notFound(resource: "stock", id: "SKU-99999")) {
                try await repository.changeStock(SKU("SKU-99999")!, .set(quantity: 1, reason: "x"), by: Self.warehouse, at: Self.t0)
            }
            #expect(try await repository.stock(sku).quantity == 6)
            let audit = try await repository.database.query("SELECT action, detail FROM audit_log WHERE subject = \(sku.code) ORDER BY id")
            #expect(try audit.map { try $0.text(0) } == ["stock.set", "stock.adjust"])
            #expect(try audit[1].text(1) == "by -4 from 10: damaged")
        }
    }

    @Test(arguments: StoreKind.tested)
    func ordersListNewestFirstAndOnlyTheCustomers(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            var ids: [String] = []
            for i in 0..<5 {
                let placed = try await repository.placeOrder(
                    try request(("SKU-00010", 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0.adding(milliseconds: Int64(i)))
                ids.append(placed.order.id)
            }
            _ = try await repository.placeOrder(try request(("SKU-00010", 1)), customerID: "c2", idempotencyKey: nil, at: Self.t0)
            let first = try await repository.orders(customerID: "c1", PageRequest(limit: 3, afterKey: nil))
            #expect(first.items.map(\.id) == ids.reversed().prefix(3).map { $0 })
            let next = try PageRequest(limit: "3", cursor: first.nextCursor)
            let second = try await repository.orders(customerID: "c1", next)
            #expect(second.items.map(\.id) == ids.reversed().suffix(2).map { $0 })
            #expect(second.nextCursor == nil)
            #expect(second.items.allSatisfy { $0.customerID == "c1" && $0.lines.count == 1 })
        }
    }
}
