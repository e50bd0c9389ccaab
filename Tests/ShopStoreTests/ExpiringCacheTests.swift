import ShopDomain
import ShopStore
import ShopSupport
import ShopTestSupport
import Testing

@Suite("Expiring cache")
struct ExpiringCacheTests {
    @Test func entriesExpireAfterTheirTimeToLive() {
        let clock = ManualClock()
        let cache = ExpiringCache<String, Int>(timeToLiveMilliseconds: 1_000, capacity: 10, clock: clock)
        cache.store(1, for: "a")
        clock.advance(milliseconds: 999)
        #expect(cache["a"] == 1)
        clock.advance(milliseconds: 1)
        #expect(cache["a"] == nil)
        #expect(cache.count == 0)
    }

    @Test func anEntryNeverOutlivesItsOwnExpiry() {
        let clock = ManualClock()
        let cache = ExpiringCache<String, Int>(timeToLiveMilliseconds: 60_000, capacity: 10, clock: clock)
        cache.store(1, for: "token", expiresAt: clock.now().adding(milliseconds: 500))
        cache.store(2, for: "later", expiresAt: clock.now().adding(milliseconds: 120_000))
        clock.advance(milliseconds: 499)
        #expect(cache["token"] == 1)
        clock.advance(milliseconds: 1)
        #expect(cache["token"] == nil)
        clock.advance(milliseconds: 59_500)
        #expect(cache["later"] == nil)
    }

    @Test func aFullCacheDropsExpiredEntriesThenHalf() {
        let clock = ManualClock()
        let cache = ExpiringCache<Int, Int>(timeToLiveMilliseconds: 1_000, capacity: 4, clock: clock)
        for key in 0..<4 { cache.store(key, for: key) }
        clock.advance(milliseconds: 1_000)
        cache.store(4, for: 4)
        #expect(cache.count == 1 && cache[4] == 4)
        for key in 5..<8 { cache.store(key, for: key) }
        cache.store(8, for: 8)
        #expect(cache.count == 3 && cache[8] == 8)
        cache.remove(8)
        #expect(cache[8] == nil)
    }

    @Test func theCatalogIsReadOnceThenServedFromTheCache() async throws {
        try await withTestDatabase(.sqlite) { database in
            let repository = SQLShopRepository(database: database)
            let clock = ManualClock()
            try await repository.prepare(demoCatalogSize: 3, at: clock.now())
            let catalog = CachedCatalog(repository: repository, clock: clock)
            let first = try await catalog.product(SKU("SKU-00002")!)
            try await database.query("UPDATE products SET name = 'Renamed' WHERE sku = 'SKU-00002'")
            #expect(try await catalog.product(SKU("SKU-00002")!) == first)
            clock.advance(milliseconds: CachedCatalog.timeToLiveMilliseconds)
            #expect(try await catalog.product(SKU("SKU-00002")!).name == "Renamed")
            await #expect(throws: ShopError.notFound(resource: "product", id: "SKU-99999")) { try await catalog.product(SKU("SKU-99999")!) }
        }
    }
}

@Suite("SQL operation names")
struct OperationNameTests {
    @Test func namesComeFromTheVerbAndTheFirstTableOnly() {
        let sku = "SKU-1'; DROP TABLE x"
        let statements: [(SQL, String)] = [
            ("SELECT sku, quantity FROM inventory WHERE sku = \(sku)", "select inventory"),
            ("UPDATE inventory SET quantity = quantity - \(1) WHERE sku = \(sku)", "update inventory"),
            ("INSERT INTO audit_log (id) VALUES (\(sku))", "insert audit_log"),
            ("WITH step0 AS (INSERT INTO orders (id) VALUES (\(sku))) INSERT INTO audit_log (id) VALUES (\(sku))", "batch orders"),
            ("BEGIN", "begin"),
            ("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)", "create schema_migrations"),
            ("\n    SELECT COUNT(*) FROM schema_migrations", "select schema_migrations"),
        ]
        for (statement, name) in statements {
            #expect(statement.operationName == name)
        }
    }
}
