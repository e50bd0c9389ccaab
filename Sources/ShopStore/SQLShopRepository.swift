import ShopDomain
import ShopSupport

/// The shop's storage in SQL that SQLite and PostgreSQL both run; `SQLDialect` holds what differs.
package struct SQLShopRepository: ShopRepository {
    let database: any SQLDatabase

    package init(database: any SQLDatabase) {
        self.database = database
    }

    package func prepare(demoCatalogSize: Int, at now: Timestamp) async throws {
        try await Migrations.apply(to: database, at: now)
        guard demoCatalogSize > 0 else { return }
        try await database.migrationTransaction { db in
            let existing = try await db.query("SELECT COUNT(*) FROM products")
            guard try existing.first?.int(0) == 0 else { return }
            let entries = DemoCatalog.entries(count: demoCatalogSize)
            for start in stride(from: 0, to: entries.count, by: 200) {
                let chunk = entries[start..<min(start + 200, entries.count)]
                try await db.query(
                    "INSERT INTO products (sku, name, price_minor, currency) VALUES "
                        + SQL.join(
                            chunk.map {
                                "(\($0.product.sku.code), \($0.product.name), \($0.product.price.minorUnits), \($0.product.price.currency.code))"
                            }, separator: ", "))
                try await db.query(
                    "INSERT INTO inventory (sku, quantity, updated_at_ms) VALUES "
                        + SQL.join(
                            chunk.map {
                                "(\($0.product.sku.code), \($0.stock), \(now))"
                            }, separator: ", "))
            }
        }
    }

    /// Answers within a second: a database that does not answer in time is not ready.
    package func isReady() async -> Bool {
        let database = database
        return (try? await withDeadline(.seconds(1)) { try await Migrations.appliedCount(in: database) }) == Migrations.all.count
    }

    /// One audit row: who did what to which resource. Written in the same transaction as the change.
    static func auditRow(actor: String, action: String, subject: String, detail: String, at now: Timestamp) -> SQL {
        """
        INSERT INTO audit_log (id, at_ms, actor, action, subject, detail)
        VALUES (\(Identifier.make(at: now)), \(now), \(actor), \(action), \(subject), \(detail))
        """
    }
}

extension SQLRow {
    func sku(_ column: Int) throws -> SKU {
        let raw = try text(column)
        guard let sku = SKU(raw) else { throw StoreError.corruptRow("SKU \(raw)") }
        return sku
    }

    func money(_ amountColumn: Int, currencyColumn: Int) throws -> Money {
        let code = try text(currencyColumn)
        guard let currency = Currency(code) else { throw StoreError.corruptRow("currency \(code)") }
        return Money(minorUnits: try int(amountColumn), currency: currency)
    }

    func timestamp(_ column: Int) throws -> Timestamp {
        Timestamp(millisecondsSinceEpoch: try int(column))
    }
}
