import Foundation
import ShopDomain
import ShopSupport

extension SQLShopRepository {
    package func placeOrder(_ request: OrderRequest, customerID: String, idempotencyKey: String?, at now: Timestamp) async throws -> PlacedOrder {
        let dialect = database.dialect
        do {
            if dialect == .postgres {
                return try await Self.placeInOneCall(database, request, customerID: customerID, idempotencyKey: idempotencyKey, at: now)
            }
            return try await database.transaction { db in
                if let idempotencyKey,
                    let replay = try await Self.replay(db, customerID: customerID, key: idempotencyKey, fingerprint: request.fingerprint)
                {
                    return replay
                }
                let lines = try await Self.reserve(db, request, at: now)
                let total = try OrderPricing.total(of: lines)
                let order = Order(
                    id: Identifier.make(at: now), customerID: customerID, status: .pending, total: total,
                    lines: lines, createdAt: now, updatedAt: now)
                let paymentID = Identifier.make(at: now)
                var writes: [SQL] = [
                    """
                    INSERT INTO orders (id, customer_id, status, total_minor, currency, created_at_ms, updated_at_ms)
                    VALUES (\(order.id), \(customerID), \(OrderStatus.pending.rawValue), \(total.minorUnits), \(total.currency.code), \(now), \(now))
                    """,
                    "INSERT INTO order_items (order_id, line, sku, quantity, unit_price_minor) VALUES "
                        + SQL.join(
                            lines.enumerated().map {
                                "(\(order.id), \($0.offset + 1), \($0.element.sku.code), \($0.element.quantity), \($0.element.unitPrice.minorUnits))"
                            },
                            separator: ", "),
                    """
                    INSERT INTO payments (id, order_id, amount_minor, currency, status, next_attempt_at_ms, created_at_ms, updated_at_ms, trace_parent)
                    VALUES (\(paymentID), \(order.id), \(total.minorUnits), \(total.currency.code), \(PaymentStatus.pending.rawValue), \(now), \(now), \(now), \(StoredTrace.current()))
                    """,
                    Self.auditRow(
                        actor: customerID, action: "order.placed", subject: order.id,
                        detail: "\(lines.count) lines, total \(total.minorUnits) \(total.currency)", at: now),
                ]
                if let idempotencyKey {
                    // No response kept: a replay rebuilds it from the order's rows (`replayed`).
                    writes.append(
                        """
                        INSERT INTO idempotency_keys (customer_id, idempotency_key, fingerprint, order_id, response, created_at_ms)
                        VALUES (\(customerID), \(idempotencyKey), \(request.fingerprint), \(order.id), '', \(now))
                        """)
                }
                for statement in dialect.batch(writes) {
                    try await db.query(statement)
                }
                return PlacedOrder(order: order, paymentID: paymentID, replayed: false)
            }
        } catch StoreError.uniqueViolation(let constraint) where idempotencyKey != nil {
            // A concurrent request with the same key committed first: answer what it answered.
            let replay = try await database.transaction { db in
                try await Self.replay(db, customerID: customerID, key: idempotencyKey!, fingerprint: request.fingerprint)
            }
            guard let replay else { throw StoreError.uniqueViolation(constraint) }
            return replay
        }
    }

    /// The first response to `key`, or nil when the key is new. A different request under the same key is refused.
    static func replay(_ db: any SQLExecutor, customerID: String, key: String, fingerprint: String) async throws -> PlacedOrder? {
        let rows = try await db.query(
            """
            SELECT fingerprint, order_id FROM idempotency_keys WHERE customer_id = \(customerID) AND idempotency_key = \(key)
            """)
        guard let row = rows.first else { return nil }
        guard try row.text(0) == fingerprint else { throw ShopError.idempotencyKeyReused }
        return try await replayed(db, orderID: try row.text(1))
    }

    /// What the first request under a key was answered: its order as placed (pending, its lines and total
    /// as stored, never updated since), and its payment. Rebuilt from the rows, which never change but for
    /// the status, so that placing an order writes no copy of its response.
    static func replayed(_ db: any SQLExecutor, orderID: String) async throws -> PlacedOrder {
        var order = try await loadOrder(db, id: orderID)
        order.status = .pending
        order.updatedAt = order.createdAt
        guard let paymentID = try await db.query("SELECT id FROM payments WHERE order_id = \(orderID)").first?.text(0) else {
            throw StoreError.corruptRow("order \(orderID) has no payment")
        }
        return PlacedOrder(order: order, paymentID: paymentID, replayed: true)
    }

    /// Takes each line's units with the guard that stock never goes negative, in SKU order so that two
    /// orders lock rows in the same order and cannot deadlock. Returns the lines in request order, priced.
    static func reserve(_ db: any SQLExecutor, _ request: OrderRequest, at now: Timestamp) async throws -> [OrderLine] {
        var lines = [OrderLine?](repeating: nil, count: request.items.count)
        for (index, item) in request.items.enumerated().sorted(by: { $0.element.sku < $1.element.sku }) {
            let rows = try await db.query(
                """
                UPDATE inventory SET quantity = quantity - \(item.quantity), updated_at_ms = \(now)
                WHERE sku = \(item.sku.code) AND quantity >= \(item.quantity)
                RETURNING (SELECT price_minor FROM products WHERE products.sku = inventory.sku),
                          (SELECT currency FROM products WHERE products.sku = inventory.sku)
                """)
            guard let row = rows.first else {
                throw try await reservationFailure(db, request, failedIndex: index)
            }
            lines[index] = OrderLine(sku: item.sku, quantity: item.quantity, unitPrice: try row.money(0, currencyColumn: 1))
        }
        return lines.compactMap { $0 }
    }

    /// Why a reservation took nothing: unknown SKUs (all of them, as one validation error) or too little stock.
    static func reservationFailure(_ db: any SQLExecutor, _ request: OrderRequest, failedIndex: Int) async throws -> ShopError {
        let skus = request.items.map(\.sku.code)
        let rows = try await db.query("SELECT sku, quantity FROM inventory WHERE sku IN (\(SQL.join(skus.map { "\($0)" }, separator: ", ")))")
        var stock: [String: Int64] = [:]
        for row in rows { stock[try row.text(0)] = try row.int(1) }
        let unknown = request.items.enumerated().filter { stock[$0.element.sku.code] == nil }
        if !unknown.isEmpty {
            return .validation(unknown.map { FieldIssue(field: "items[\($0.offset)].sku", message: "no product has SKU \($0.element.sku.code)") })
        }
        let item = request.items[failedIndex]
        return .insufficientStock(sku: item.sku, available: stock[item.sku.code] ?? 0, requested: item.quantity)
    }

    package func order(id: String) async throws -> Order {
        try await Self.loadOrder(database, id: id)
    }

    static func loadOrder(_ db: any SQLExecutor, id: String) async throws -> Order {
        let rows = try await db.query(orderRead(id).prepared(as: OrderRead.self))
        guard let row = rows.first else { throw ShopError.notFound(resource: "order", id: id) }
        let items = try await db.query(orderLinesRead(id).prepared(as: OrderLinesRead.self))
        return try order(from: row, items: items)
    }

    static func orderRead(_ id: String) -> SQL { "\(raw: orderColumns) FROM orders WHERE id = \(id)" }

    static func orderLinesRead(_ id: String) -> SQL {
        "SELECT order_id, sku, quantity, unit_price_minor FROM order_items WHERE order_id = \(id) ORDER BY line"
    }

    package func orders(customerID: String, _ page: PageRequest) async throws -> Page<Order> {
        var statement: SQL = "\(raw: Self.orderColumns) FROM orders WHERE customer_id = \(customerID)"
        if let after = page.afterKey { statement = statement + " AND id < \(after)" }
        let rows = try await database.query(statement + " ORDER BY id DESC LIMIT \(page.limit + 1)")
        let shown = rows.prefix(page.limit)
        guard !shown.isEmpty else { return Page(items: [], nextCursor: nil) }
        let ids = try shown.map { try $0.text(0) }
        let items = try await database.query(
            """
            SELECT order_id, sku, quantity, unit_price_minor FROM order_items
            WHERE order_id IN (\(SQL.join(ids.map { "\($0)" }, separator: ", "))) ORDER BY order_id, line
            """)
        let itemsByOrder = try Dictionary(grouping: items) { try $0.text(0) }
        let orders = try shown.map { try Self.order(from: $0, items: itemsByOrder[try $0.text(0)] ?? []) }
        let next = rows.count > page.limit ? orders.last.map { PageRequest.cursor(after: $0.id) } : nil
        return Page(items: orders, nextCursor: next)
    }

    package func closeOrder(id: String, as target: OrderStatus, by actor: Principal, at now: Timestamp) async throws -> Order {
        precondition(target == .cancelled || target == .refunded)
        return try await database.transaction { db in
            try await self.moveOrder(db, id: id, to: target, actor: actor.subject, at: now) {
                target == .refunded ? $0.isRefundable : $0.isCancellable
            }
            // Not yet charged and no attempt in flight: void. Charged: the processor refunds it. An attempt in
            // flight is left alone; if it captures, recordPaymentOutcome sees the closed order and refunds.
            try await db.query(
                """
                UPDATE payments SET
                    status = CASE status WHEN \(PaymentStatus.captured.rawValue) THEN \(PaymentStatus.refundPending.rawValue) ELSE \(PaymentStatus.voided.rawValue) END,
                    next_attempt_at_ms = \(now), attempts = 0, updated_at_ms = \(now)
                WHERE order_id = \(id) AND (status = \(PaymentStatus.captured.rawValue)
                    OR (status = \(PaymentStatus.pending.rawValue) AND lease_until_ms <= \(now)))
                """)
            return try await Self.loadOrder(db, id: id)
        }
    }

    /// Moves an order to `target` if `allowed` accepts its current state (read under a row lock), giving its
    /// stock back when `target` releases stock, with an audit row. Every status change goes through here,
    /// so stock is released exactly once.
    func moveOrder(
        _ db: any SQLExecutor, id: String, to target: OrderStatus, actor: String, at now: Timestamp,
        allowed: (OrderStatus) -> Bool
    ) async throws {
        let rows = try await db.query("SELECT status FROM orders WHERE id = \(id)\(raw: database.dialect.forUpdate)")
        guard let raw = try rows.first?.text(0) else { throw ShopError.notFound(resource: "order", id: id) }
        guard let current = OrderStatus(rawValue: raw) else { throw StoreError.corruptRow("order status \(raw)") }
        guard allowed(current) else {
            throw ShopError.invalidState(
                resource: "order", state: current.rawValue,
                action: target == .refunded ? "refund" : target == .cancelled ? "cancel" : "move to \(target.rawValue)")
        }
        for statement in database.dialect.batch([
            "UPDATE orders SET status = \(target.rawValue), updated_at_ms = \(now) WHERE id = \(id)",
            Self.auditRow(actor: actor, action: "order.\(target.rawValue)", subject: id, detail: "from \(current.rawValue)", at: now),
        ]) {
            try await db.query(statement)
        }
        // One statement per SKU, in SKU order, so that releases and reservations lock rows in the same order.
        if target.releasesStock && !current.releasesStock {
            let items = try await db.query("SELECT sku, quantity FROM order_items WHERE order_id = \(id) ORDER BY sku")
            for item in items {
                try await db.query(
                    "UPDATE inventory SET quantity = quantity + \(try item.int(1)), updated_at_ms = \(now) WHERE sku = \(try item.text(0))")
            }
        }
    }

    static let orderColumns = "SELECT id, customer_id, status, total_minor, currency, created_at_ms, updated_at_ms"

    /// An order from its row (`orderColumns`) and its item rows (order_id, sku, quantity, unit_price_minor).
    static func order(from row: SQLRow, items: [SQLRow]) throws -> Order {
        let total = try row.money(3, currencyColumn: 4)
        guard let status = OrderStatus(rawValue: try row.text(2)) else { throw StoreError.corruptRow("order status") }
        return Order(
            id: try row.text(0), customerID: try row.text(1), status: status, total: total,
            lines: try items.map {
                OrderLine(sku: try $0.sku(1), quantity: try $0.int(2), unitPrice: Money(minorUnits: try $0.int(3), currency: total.currency))
            },
            createdAt: try row.timestamp(5), updatedAt: try row.timestamp(6))
    }
}
