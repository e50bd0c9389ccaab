import ShopDomain
import ShopStore
import ShopSupport
import ShopTestSupport
import Testing

@Suite("Cached catalog")
struct CachedCatalogTests {
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
