import ShopDomain
import ShopSupport

extension SQLShopRepository {
    package func products(_ page: PageRequest) async throws -> Page<Product> {
        let rows = try await database.query(
            """
            SELECT sku, name, price_minor, currency FROM products
            WHERE sku > \(page.afterKey ?? "") ORDER BY sku LIMIT \(page.limit + 1)
            """)
        let products = try rows.prefix(page.limit).map(Self.product(from:))
        let next = rows.count > page.limit ? products.last.map { PageRequest.cursor(after: $0.sku.code) } : nil
        return Page(items: products, nextCursor: next)
    }

    package func product(_ sku: SKU) async throws -> Product {
        let rows = try await database.query(Self.productRead(sku.code).prepared(as: ProductRead.self))
        guard let row = rows.first else { throw ShopError.notFound(resource: "product", id: sku.code) }
        return try Self.product(from: row)
    }

    package func stock(_ sku: SKU) async throws -> StockLevel {
        let rows = try await database.query(Self.stockRead(sku.code).prepared(as: StockRead.self))
        guard let row = rows.first else { throw ShopError.notFound(resource: "stock", id: sku.code) }
        return StockLevel(sku: try row.sku(0), quantity: try row.int(1), updatedAt: try row.timestamp(2))
    }

    static func productRead(_ sku: String) -> SQL { "SELECT sku, name, price_minor, currency FROM products WHERE sku = \(sku)" }

    static func stockRead(_ sku: String) -> SQL { "SELECT sku, quantity, updated_at_ms FROM inventory WHERE sku = \(sku)" }

    package func changeStock(_ sku: SKU, _ change: StockChange, by actor: Principal, at now: Timestamp) async throws -> StockLevel {
        let change = try change.validated()
        let dialect = database.dialect
        return try await database.transaction { db in
            // The row lock makes two pickers of the last unit queue up: the second reads what the first left.
            let rows = try await db.query("SELECT quantity FROM inventory WHERE sku = \(sku.code)\(raw: dialect.forUpdate)")
            guard let current = try rows.first?.int(0) else { throw ShopError.notFound(resource: "stock", id: sku.code) }
            let updated: Int64
            let detail: String
            switch change {
            case .set(let quantity, let reason):
                updated = quantity
                detail = "from \(current) to \(quantity): \(reason)"
            case .adjust(let delta, let reason):
                guard current + delta >= 0 else {
                    throw ShopError.insufficientStock(sku: sku, available: current, requested: -delta)
                }
                guard current + delta <= Limits.maxStock else {
                    throw ShopError.validation([FieldIssue(field: "delta", message: "would take stock above \(Limits.maxStock)")])
                }
                updated = current + delta
                detail = "by \(delta) from \(current): \(reason)"
            case .pick(let quantity, let reference):
                guard current >= quantity else {
                    throw ShopError.insufficientStock(sku: sku, available: current, requested: quantity)
                }
                updated = current - quantity
                detail = "\(quantity) of \(current)" + (reference.map { " for \($0)" } ?? "")
            }
            for statement in dialect.batch([
                "UPDATE inventory SET quantity = \(updated), updated_at_ms = \(now) WHERE sku = \(sku.code)",
                Self.auditRow(actor: actor.subject, action: change.auditAction, subject: sku.code, detail: detail, at: now),
            ]) {
                try await db.query(statement)
            }
            return StockLevel(sku: sku, quantity: updated, updatedAt: now)
        }
    }

    static func product(from row: SQLRow) throws -> Product {
        Product(sku: try row.sku(0), name: try row.text(1), price: try row.money(2, currencyColumn: 3))
    }
}
