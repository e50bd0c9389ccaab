import ShopDomain
@testable import ShopStore
import ShopTestSupport
import Synchronization
import Testing
import ShopSupport

/// One suite, every store: what the API relies on must hold on SQLite and on PostgreSQL alike.
@Suite("Store conformance")
struct StoreConformanceTests {
    static let t0 = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
    static let customer = Principal(subject: "c1", role: .customer)
    static let warehouse = Principal(subject: "w1", role: .warehouse)

    /// A prepared repository with a small demo catalog.
    func withRepository(_ kind: StoreKind, catalog: Int = 20, _ body: @Sendable (SQLShopRepository) async throws -> Void) async throws {
        try await withTestDatabase(kind) { database in
            let repository = SQLShopRepository(database: database)
            try await repository.prepare(demoCatalogSize: catalog, at: Self.t0)
            try await body(repository)
        }
    }

    func request(_ items: (String, Int64)...) throws -> OrderRequest {
        try OrderRequest(validating: items.map { RequestedItem(sku: $0.0, quantity: $0.1) })
    }

    @Test("PostgreSQL is reachable for the suite", .enabled(if: TestPostgres.enabled, Comment(rawValue: TestPostgres.skipMessage)))
    func postgresReachable() async throws {
        try await withTestDatabase(.postgres) { database in
            let rows = try await database.query("SELECT 1 + 1")
            #expect(try rows.first?.int(0) == 2)
        }
    }

    @Test func anUnreachablePostgreSQLIsNotReadyRatherThanAHang() async throws {
        let database = PostgresDatabase(
            configuration: try PostgresDatabase.configuration(url: "postgres://shop@127.0.0.1:1/shop", maximumConnections: 2), logger: quietLogger)
        let ready = try await whileRunning({ await database.run() }) { await SQLShopRepository(database: database).isReady() }
        #expect(!ready)
    }

    @Test(arguments: StoreKind.tested)
    func migrationsApplyOnceAndTwoInstancesCanStartTogether(_ kind: StoreKind) async throws {
        try await withTestDatabase(kind) { database in
            let first = SQLShopRepository(database: database)
            let second = SQLShopRepository(database: database)
            #expect(await !first.isReady())
            async let a: Void = first.prepare(demoCatalogSize: 30, at: Self.t0)
            async let b: Void = second.prepare(demoCatalogSize: 30, at: Self.t0)
            _ = try await (a, b)
            #expect(await first.isReady())
            #expect(try await Migrations.appliedCount(in: database) == Migrations.all.count)
            #expect(try await Migrations.apply(to: database, at: Self.t0).isEmpty)
            let products = try await database.query("SELECT COUNT(*) FROM products")
            #expect(try products.first?.int(0) == 30)
        }
    }

    @Test(arguments: StoreKind.tested)
    func productsPageBySKU(_ kind: StoreKind) async throws {
        try await withRepository(kind, catalog: 25) { repository in
            var seen: [String] = []
            var cursorKey: String?
            repeat {
                let page = try await repository.products(PageRequest(limit: 10, afterKey: cursorKey))
                seen += page.items.map(\.sku.code)
                cursorKey = try page.nextCursor.map { try PageRequest(limit: nil, cursor: $0).afterKey! }
            } while cursorKey != nil
            #expect(seen == DemoCatalog.entries(count: 25).map(\.product.sku.code))
            let product = try await repository.product(SKU("SKU-00003")!)
            #expect(product == DemoCatalog.entries(count: 3)[2].product)
            await #expect(throws: ShopError.notFound(resource: "product", id: "NOPE")) { try await repository.product(SKU("NOPE")!) }
        }
    }

    @Test(arguments: StoreKind.tested)
    func placingAnOrderReservesStockSnapshotsPricesAndWritesPaymentAndAudit(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let entries = DemoCatalog.entries(count: 2)
            let before1 = try await repository.stock(SKU("SKU-00001")!).quantity
            let before2 = try await repository.stock(SKU("SKU-00002")!).quantity
            let placed = try await repository.placeOrder(try request(("SKU-00002", 1), ("SKU-00001", 3)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            let order = placed.order
            #expect(order.status == .pending && !placed.replayed)
            #expect(order.lines.map(\.sku.code) == ["SKU-00002", "SKU-00001"])
            #expect(order.lines.map(\.unitPrice) == [entries[1].product.price, entries[0].product.price])
            #expect(order.total.minorUnits == entries[1].product.price.minorUnits + 3 * entries[0].product.price.minorUnits)
            #expect(try await repository.stock(SKU("SKU-00001")!).quantity == before1 - 3)
            #expect(try await repository.stock(SKU("SKU-00002")!).quantity == before2 - 1)
            #expect(try await repository.order(id: order.id) == order)
            let payment = try await repository.payment(orderID: order.id)
            #expect(payment.id == placed.paymentID && payment.status == .pending && payment.amount == order.total)
            let audit = try await repository.database.query("SELECT actor, action FROM audit_log WHERE subject = \(order.id)")
            #expect(try audit.map { [try $0.text(0), try $0.text(1)] } == [["c1", "order.placed"]])
        }
    }

    @Test(arguments: StoreKind.tested)
    func anOrderReservesAllLinesOrNone(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let stock1 = try await repository.stock(SKU("SKU-00001")!).quantity
            let stock2 = try await repository.stock(SKU("SKU-00002")!).quantity
            await #expect(throws: ShopError.insufficientStock(sku: SKU("SKU-00002")!, available: stock2, requested: stock2 + 1)) {
                try await repository.placeOrder(try request(("SKU-00001", 1), ("SKU-00002", stock2 + 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            }
            #expect(try await repository.stock(SKU("SKU-00001")!).quantity == stock1)
            // The lines are locked in SKU order, not the request's: the refusal still names the right line.
            await #expect(throws: ShopError.insufficientStock(sku: SKU("SKU-00002")!, available: stock2, requested: stock2 + 1)) {
                try await repository.placeOrder(try request(("SKU-00009", 1), ("SKU-00002", stock2 + 1), ("SKU-00001", 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            }
            #expect(try await repository.stock(SKU("SKU-00001")!).quantity == stock1)
            await #expect(throws: ShopError.validation([
                FieldIssue(field: "items[1].sku", message: "no product has SKU NOPE-2"),
                FieldIssue(field: "items[2].sku", message: "no product has SKU NOPE-1"),
            ])) {
                try await repository.placeOrder(try request(("SKU-00001", 1), ("NOPE-2", 1), ("NOPE-1", 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            }
            #expect(try await repository.stock(SKU("SKU-00001")!).quantity == stock1)
            let orders = try await repository.database.query("SELECT COUNT(*) FROM orders")
            #expect(try orders.first?.int(0) == 0)
        }
    }

    /// While another transaction holds a SKU's row, an order that the committed stock cannot serve is
    /// answered at once (naming the first short line in SKU order, unless an unknown SKU answers first),
    /// and one it can serve waits for the lock and is placed.
    @Test(.enabled(if: TestPostgres.enabled, Comment(rawValue: TestPostgres.skipMessage)))
    func aShortLineWhoseRowIsHeldIsAnsweredWithoutWaiting() async throws {
        try await withRepository(.postgres) { repository in
            let held = SKU("SKU-00003")!, before = SKU("SKU-00002")!
            let stock = try await repository.stock(held).quantity, beforeStock = try await repository.stock(before).quantity
            let (released, release) = AsyncStream.makeStream(of: Void.self)
            let (locked, lock) = AsyncStream.makeStream(of: Void.self)
            let answers = try await withThrowingTaskGroup(of: [String].self) { group in
                group.addTask {
                    try await repository.database.transaction { db in
                        _ = try await db.query("SELECT quantity FROM inventory WHERE sku = \(held.code) FOR UPDATE")
                        lock.yield()
                        var waiting = released.makeAsyncIterator()
                        _ = await waiting.next()
                    }
                    return []
                }
                // Should an answer wait for the lock after all, the lock is released after 15 s and the
                // test fails instead of hanging.
                let watchdogFired = ReleaseFlag()
                group.addTask {
                    try? await Task.sleep(for: .seconds(15))
                    if !Task.isCancelled {
                        watchdogFired.set()
                        release.yield()
                    }
                    return []
                }
                var iterator = locked.makeAsyncIterator()
                _ = await iterator.next()
                func answer(_ items: (String, Int64)...) async -> String {
                    do {
                        _ = try await repository.placeOrder(
                            OrderRequest(validating: items.map { RequestedItem(sku: $0.0, quantity: $0.1) }), customerID: "c1",
                            idempotencyKey: nil, at: Self.t0)
                        return "placed"
                    } catch {
                        return "\(error)"
                    }
                }
                // Answered while the row is still held: the release comes only after these three.
                let short = await answer(("SKU-00003", stock + 1), ("SKU-00001", 1))
                let earlierShort = await answer(("SKU-00003", stock + 1), ("SKU-00002", beforeStock + 1))
                let unknownFirst = await answer(("SKU-00003", stock + 1), ("NOPE-1", 1))
                let whileHeld = watchdogFired.isSet ? "after the lock was released" : "while the lock was held"
                async let served = answer(("SKU-00003", 1))
                try await Task.sleep(for: .milliseconds(200))
                release.yield()
                let placed = await served
                group.cancelAll()
                for try await _ in group {}
                return [short, earlierShort, unknownFirst, placed, whileHeld]
            }
            #expect(answers[0] == "\(ShopError.insufficientStock(sku: held, available: stock, requested: stock + 1))")
            #expect(answers[1] == "\(ShopError.insufficientStock(sku: before, available: beforeStock, requested: beforeStock + 1))")
            #expect(answers[2] == "\(ShopError.validation([FieldIssue(field: "items[1].sku", message: "no product has SKU NOPE-1")]))")
            #expect(answers[3] == "placed")
            #expect(answers[4] == "while the lock was held")
            #expect(try await repository.stock(held).quantity == stock - 1)
            #expect(try await repository.stock(before).quantity == beforeStock)
        }
    }

    /// pgbench's order (`benchmarks/order-transaction.sql`, the ceiling shop-api is measured against) is the
    /// statement shop-api sends, with pgbench's variables and constants in the bound values' places.
    @Test func pgbenchRunsTheOrderStatementShopAPISends() throws {
        let script = try String(contentsOfFile: "benchmarks/order-transaction.sql", encoding: .utf8)
        let statement = script.split(separator: "\n").filter { !$0.hasPrefix("--") && !$0.hasPrefix("\\") }.joined(separator: " ")
        let sent = SQLShopRepository.placeOrderCall(
            orderID: "", paymentID: "", auditID: "", customerID: "", skus: "", quantities: "", positions: "", idempotencyKey: nil,
            fingerprint: "", now: Self.t0, traceParent: nil)
        // In the order the statement binds them: what pgbench puts in each place.
        let values = [
            ":order_id::text", ":payment_id::text", ":audit_id::text", "'bench-customer'", "'SKU-' || lpad(:n::text, 5, '0')", "'1'",
            "'0'", "NULL", "'bench'", "1", "NULL",
        ]
        #expect(sent.binds.count == values.count)
        var expected = sent.fragments[0]
        for (value, text) in zip(values, sent.fragments.dropFirst()) { expected += value + text }
        let words = { (text: String) in text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        #expect(words(statement) == words(expected) + ";")
    }

    /// Every hot shape runs as a statement prepared once on its connection and reused after: one connection,
    /// each path twice, and PostgreSQL lists each shape's statement once, under its name, with its text.
    @Test(.enabled(if: TestPostgres.enabled, Comment(rawValue: TestPostgres.skipMessage)))
    func theHotShapesArePreparedOncePerConnection() async throws {
        try await TestPostgres.withFreshDatabase { url in
            try await withPostgresDatabase(url, maximumConnections: 1) { database in
                let repository = SQLShopRepository(database: database)
                try await repository.prepare(demoCatalogSize: 5, at: Self.t0)
                for _ in 0..<2 {
                    let placed = try await repository.placeOrder(try request(("SKU-00001", 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
                    _ = try await repository.product(SKU("SKU-00002")!)
                    _ = try await repository.stock(SKU("SKU-00002")!)
                    _ = try await repository.order(id: placed.order.id)
                    let claimed = try await repository.claimDuePayments(limit: 4, leaseMilliseconds: 1_000, at: Self.t0)
                    try await repository.recordPaymentOutcomes(claimed.map { ($0, .captured(reference: "r-\($0.id)")) }, at: Self.t0)
                }
                let shapes: [any PreparedShape.Type] = [
                    PlaceOrderCall.self, ProductRead.self, StockRead.self, OrderRead.self, OrderLinesRead.self, PaymentClaim.self,
                    PaymentOutcomesCall.self,
                ]
                let listed = try await database.query("SELECT name, statement FROM pg_prepared_statements ORDER BY name")
                #expect(try listed.map { try $0.text(0) } == shapes.map { $0.name }.sorted())
                for row in listed {
                    #expect(try shapes.first { $0.name == (try row.text(0)) }?.text == row.text(1))
                }
            }
        }
    }

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
            _ = try await repository.closeOrder(id: placed.order.id, as: .cancelled, by: Self.customer, at: Timestamp(millisecondsSinceEpoch: Self.t0.millisecondsSinceEpoch + 5_000))
            let replay = try await repository.placeOrder(order, customerID: "c1", idempotencyKey: "again", at: Timestamp(millisecondsSinceEpoch: Self.t0.millisecondsSinceEpoch + 9_000))
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
                async let first = result { try await repository.changeStock(sku, .pick(quantity: 1, reference: "a"), by: Self.warehouse, at: Self.t0) }
                async let second = result { try await repository.changeStock(sku, .pick(quantity: 1, reference: "b"), by: Self.warehouse, at: Self.t0) }
                let outcomes = await [first, second]
                #expect(outcomes.filter { (try? $0.get())?.quantity == 0 }.count == 1)
                #expect(outcomes.contains {
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
            #expect(try await repository.changeStock(sku, .adjust(delta: -4, reason: "damaged"), by: Self.warehouse, at: Self.t0.adding(milliseconds: 1)).quantity == 6)
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
                let placed = try await repository.placeOrder(try request(("SKU-00010", 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0.adding(milliseconds: Int64(i)))
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

    /// The claim takes the earliest due payments straight from the `payments_due` index, without sorting
    /// every unsettled payment first (which slowed settlement as a backlog grew). Sequential scans are
    /// turned off on PostgreSQL: on a table this small it would rather scan than use any index.
    @Test(arguments: StoreKind.tested)
    func claimingDuePaymentsReadsThemInOrderFromTheIndex(_ kind: StoreKind) async throws {
        try await withTestDatabase(kind) { database in
            try await SQLShopRepository(database: database).prepare(demoCatalogSize: 5, at: Self.t0)
            let claim = SQLShopRepository.claimStatement(limit: 32, leaseMilliseconds: 30_000, at: Self.t0, dialect: database.dialect)
            let plan = try await database.transaction { db in
                if database.dialect == .postgres {
                    try await db.query("SET LOCAL enable_seqscan = off")
                    return try await db.query("EXPLAIN " + claim).map { try $0.text(0) }
                }
                return try await db.query("EXPLAIN QUERY PLAN " + claim).map { try $0.text(3) }
            }.joined(separator: "\n")
            #expect(plan.contains("payments_due"), "\(plan)")
            #expect(!plan.contains("Sort") && !plan.contains("TEMP B-TREE"), "\(plan)")
        }
    }

    @Test(arguments: StoreKind.tested)
    func paymentsAreLeasedOnceAndSettleTheOrder(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let sku = SKU("SKU-00011")!
            let before = try await repository.stock(sku).quantity
            let captured = try await repository.placeOrder(try request(("SKU-00011", 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            let declined = try await repository.placeOrder(try request(("SKU-00011", 2)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            let retried = try await repository.placeOrder(try request(("SKU-00011", 3)), customerID: "c1", idempotencyKey: nil, at: Self.t0)

            async let leasedA = repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0)
            async let leasedB = repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0)
            let leased = try await leasedA + leasedB
            #expect(leased.count == 3 && Set(leased.map(\.id)).count == 3)
            #expect(leased.allSatisfy { $0.attempts == 1 })
            #expect(try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0).isEmpty)

            try await repository.recordPaymentOutcome(try await repository.payment(orderID: captured.order.id), .captured(reference: "auth_1"), at: Self.t0)
            try await repository.recordPaymentOutcome(try await repository.payment(orderID: declined.order.id), .declined(reason: "card_declined"), at: Self.t0)
            let retryAt = Self.t0.adding(milliseconds: 5_000)
            try await repository.recordPaymentOutcome(try await repository.payment(orderID: retried.order.id), .retry(error: "503", nextAttemptAt: retryAt), at: Self.t0)

            #expect(try await repository.order(id: captured.order.id).status == .confirmed)
            #expect(try await repository.payment(orderID: captured.order.id).gatewayReference == "auth_1")
            #expect(try await repository.order(id: declined.order.id).status == .paymentFailed)
            #expect(try await repository.order(id: retried.order.id).status == .pending)
            // The declined order's two units came back; the others stay reserved.
            #expect(try await repository.stock(sku).quantity == before - 4)

            #expect(try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0.adding(milliseconds: 4_999)).isEmpty)
            let again = try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: retryAt)
            #expect(again.map(\.id) == [retried.paymentID] && again[0].attempts == 2)

            // Cancelled while this attempt is in flight; the capture that lands afterwards is refunded.
            _ = try await repository.closeOrder(id: retried.order.id, as: .cancelled, by: Self.customer, at: retryAt)
            #expect(try await repository.payment(orderID: retried.order.id).status == .pending)
            try await repository.recordPaymentOutcome(try await repository.payment(orderID: retried.order.id), .captured(reference: "auth_3"), at: retryAt)
            #expect(try await repository.order(id: retried.order.id).status == .cancelled)
            #expect(try await repository.payment(orderID: retried.order.id).status == .refundPending)
            #expect(try await repository.stock(sku).quantity == before - 1)
        }
    }

    /// Every kind of outcome in one batch, as the processor records them: each does what it does alone, two
    /// failed orders sharing a SKU give back both their units, and a batch with an outcome that cannot be
    /// recorded writes nothing at all.
    @Test(arguments: StoreKind.tested)
    func aBatchOfOutcomesIsRecordedAllOrNothingAsEachAloneWould(_ kind: StoreKind) async throws {
        try await withTestDatabase(kind) { database in
            let repository = SQLShopRepository(database: database)
            try await repository.prepare(demoCatalogSize: 20, at: Self.t0)
            let shared = SKU("SKU-00013")!, other = SKU("SKU-00014")!
            let before = (try await repository.stock(shared).quantity, try await repository.stock(other).quantity)
            func place(_ items: (String, Int64)...) async throws -> String {
                try await repository.placeOrder(
                    OrderRequest(validating: items.map { RequestedItem(sku: $0.0, quantity: $0.1) }), customerID: "c1",
                    idempotencyKey: nil, at: Self.t0
                ).order.id
            }
            let captured = try await place(("SKU-00013", 1))
            let declined = try await place(("SKU-00014", 2), ("SKU-00013", 3))
            let failed = try await place(("SKU-00013", 4))
            let retried = try await place(("SKU-00014", 1))
            let cancelled = try await place(("SKU-00013", 5))
            let refunded = try await place(("SKU-00014", 6))
            _ = try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0)
            try await repository.recordPaymentOutcome(try await repository.payment(orderID: refunded), .captured(reference: "auth_r"), at: Self.t0)
            _ = try await repository.closeOrder(id: refunded, as: .refunded, by: Principal(subject: "a", role: .admin), at: Self.t0)
            _ = try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0)
            _ = try await repository.closeOrder(id: cancelled, as: .cancelled, by: Self.customer, at: Self.t0)
            let now = Self.t0.adding(milliseconds: 1_000), retryAt = Self.t0.adding(milliseconds: 9_000)
            let batch: [(String, PaymentOutcome)] = [
                (captured, .captured(reference: "auth_c")), (declined, .declined(reason: "card, declined")),
                (failed, .failed(error: "4 attempts failed")), (retried, .retry(error: "503", nextAttemptAt: retryAt)),
                (cancelled, .captured(reference: "auth_x")), (refunded, .refunded(reference: "auth_r")),
            ]
            var attempts: [(Payment, PaymentOutcome)] = []
            for (order, outcome) in batch { attempts.append((try await repository.payment(orderID: order), outcome)) }
            let audited = try await database.query("SELECT COUNT(*) FROM audit_log").first?.int(0) ?? -1

            // One payment whose order does not exist: the whole batch is refused and nothing of it written.
            let stray = Payment(
                id: "p-stray", orderID: "no-such-order", amount: attempts[0].0.amount, status: .pending, attempts: 1,
                nextAttemptAt: Self.t0, gatewayReference: nil, lastError: nil, updatedAt: Self.t0, traceParent: nil)
            await #expect(throws: (any Error).self) {
                try await repository.recordPaymentOutcomes(attempts + [(stray, .declined(reason: "x"))], at: now)
            }
            #expect(try await repository.order(id: captured).status == .pending)
            #expect(try await repository.payment(orderID: declined).status == .pending)
            #expect(try await database.query("SELECT COUNT(*) FROM audit_log").first?.int(0) == audited)

            try await repository.recordPaymentOutcomes(attempts, at: now)
            var orders: [OrderStatus] = [], payments: [Payment] = []
            for id in [captured, declined, failed, retried, cancelled, refunded] {
                orders.append(try await repository.order(id: id).status)
                payments.append(try await repository.payment(orderID: id))
            }
            #expect(orders == [.confirmed, .paymentFailed, .paymentFailed, .pending, .cancelled, .refunded])
            #expect(payments.map(\.status) == [.captured, .declined, .failed, .pending, .refundPending, .refunded])
            #expect(payments.map(\.gatewayReference) == ["auth_c", nil, nil, nil, "auth_x", "auth_r"])
            #expect(payments.map(\.lastError) == [nil, "card, declined", "4 attempts failed", "503", nil, nil])
            #expect(payments[3].nextAttemptAt == retryAt && payments[4].nextAttemptAt == now && payments[4].attempts == 0)
            #expect(payments.allSatisfy { $0.updatedAt == now })
            // Declined and failed gave back 3 + 4 of the shared SKU and 2 of the other; the cancelled and
            // refunded orders had already; the captured and retried keep theirs.
            #expect(try await repository.stock(shared).quantity == before.0 - 1)
            #expect(try await repository.stock(other).quantity == before.1 - 1)
            // Leases are released: the retried payment is due again at its time, the refund at once.
            #expect(Set(try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: retryAt).map(\.orderID)) == [retried, cancelled])
            let actions = try await database.query(
                "SELECT subject, action FROM audit_log WHERE actor = 'payment-processor' AND at_ms = \(now) ORDER BY subject, action"
            ).map { "\(try $0.text(0)) \(try $0.text(1))" }
            #expect(actions.sorted() == [
                "\(captured) order.confirmed", "\(captured) payment.captured", "\(declined) order.payment_failed", "\(declined) payment.declined",
                "\(failed) order.payment_failed", "\(failed) payment.failed", "\(cancelled) payment.refund_pending", "\(refunded) payment.refunded",
            ].sorted())
        }
    }

    @Test(arguments: StoreKind.tested)
    func refundingAConfirmedOrderReleasesStockAndQueuesTheRefund(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let sku = SKU("SKU-00012")!
            let before = try await repository.stock(sku).quantity
            let placed = try await repository.placeOrder(try request(("SKU-00012", 2)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            await #expect(throws: ShopError.invalidState(resource: "order", state: "pending", action: "refund")) {
                try await repository.closeOrder(id: placed.order.id, as: .refunded, by: Principal(subject: "a", role: .admin), at: Self.t0)
            }
            _ = try await repository.claimDuePayments(limit: 1, leaseMilliseconds: 1000, at: Self.t0)
            try await repository.recordPaymentOutcome(try await repository.payment(orderID: placed.order.id), .captured(reference: "auth_9"), at: Self.t0)
            let refunded = try await repository.closeOrder(id: placed.order.id, as: .refunded, by: Principal(subject: "a", role: .admin), at: Self.t0)
            #expect(refunded.status == .refunded)
            #expect(try await repository.stock(sku).quantity == before)
            let due = try await repository.claimDuePayments(limit: 5, leaseMilliseconds: 1000, at: Self.t0)
            #expect(due.map(\.status) == [.refundPending] && due[0].gatewayReference == "auth_9")
            try await repository.recordPaymentOutcome(try await repository.payment(orderID: placed.order.id), .refunded(reference: "auth_9"), at: Self.t0)
            #expect(try await repository.payment(orderID: placed.order.id).status == .refunded)
        }
    }
}

/// `Result(catching:)` for async work.
func result<Value>(_ body: () async throws -> Value) async -> Result<Value, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

/// Set once, read from any task.
final class ReleaseFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
