import Foundation
import ShopDomain
import ShopSupport
import ShopTestSupport
import Synchronization
import Testing

@testable import ShopStore

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
            // Readiness answers within a second or says no (the product's deadline): the suite's busy start
            // once kept PostgreSQL's answer past it, so a no is asked again, up to ten times.
            var ready = false
            for _ in 0..<10 where !ready { ready = await first.isReady() }
            #expect(ready)
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
            let placed = try await repository.placeOrder(
                try request(("SKU-00002", 1), ("SKU-00001", 3)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
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
                try await repository.placeOrder(
                    try request(("SKU-00001", 1), ("SKU-00002", stock2 + 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            }
            #expect(try await repository.stock(SKU("SKU-00001")!).quantity == stock1)
            // The lines are locked in SKU order, not the request's: the refusal still names the right line.
            await #expect(throws: ShopError.insufficientStock(sku: SKU("SKU-00002")!, available: stock2, requested: stock2 + 1)) {
                try await repository.placeOrder(
                    try request(("SKU-00009", 1), ("SKU-00002", stock2 + 1), ("SKU-00001", 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            }
            #expect(try await repository.stock(SKU("SKU-00001")!).quantity == stock1)
            await #expect(
                throws: ShopError.validation([
                    FieldIssue(field: "items[1].sku", message: "no product has SKU NOPE-2"),
                    FieldIssue(field: "items[2].sku", message: "no product has SKU NOPE-1"),
                ])
            ) {
                try await repository.placeOrder(
                    try request(("SKU-00001", 1), ("NOPE-2", 1), ("NOPE-1", 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
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
}
