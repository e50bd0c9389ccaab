import Foundation
import ShopDomain
import ShopSupport

/// An order on PostgreSQL in one round trip: one call of `place_order` (migration 5), which locks every
/// line's stock row in SKU order, checks them all, and only then writes the reservation, the order, its
/// lines, its payment, the audit row and the idempotency record, all in the statement's one transaction.
/// The four round trips it replaces (BEGIN, a guarded decrement per line, the rows, COMMIT) held a hot
/// SKU's row lock across three of them. SQLite keeps its transaction: it has no functions of this kind
/// and no network between the two.
extension SQLShopRepository {
    static func placeInOneCall(
        _ db: any SQLExecutor, _ request: OrderRequest, customerID: String, idempotencyKey: String?, at now: Timestamp
    ) async throws -> PlacedOrder {
        let orderID = Identifier.make(at: now)
        let paymentID = Identifier.make(at: now)
        // In SKU order, as the SQLite path and every writer of inventory lock rows.
        let lines = request.items.enumerated().sorted { $0.element.sku < $1.element.sku }
        let rows = try await db.query(
            placeOrderCall(
                orderID: orderID, paymentID: paymentID, auditID: Identifier.make(at: now), customerID: customerID,
                skus: lines.map(\.element.sku.code).joined(separator: ","),
                quantities: lines.map { String($0.element.quantity) }.joined(separator: ","),
                positions: lines.map { String($0.offset) }.joined(separator: ","),
                idempotencyKey: idempotencyKey, fingerprint: request.fingerprint, now: now, traceParent: StoredTrace.current()
            ).prepared(as: PlaceOrderCall.self))
        guard let first = rows.first else { throw StoreError.corruptRow("place_order returned no row") }
        switch try first.text(0) {
        case "placed":
            let lines = try priced(rows, request)
            let order = Order(
                id: orderID, customerID: customerID, status: .pending, total: try OrderPricing.total(of: lines),
                lines: lines, createdAt: now, updatedAt: now)
            return PlacedOrder(order: order, paymentID: paymentID, replayed: false)
        case "replay":
            guard try first.text(7) == request.fingerprint else { throw ShopError.idempotencyKeyReused }
            return try await replayed(db, orderID: try first.text(6))
        case "unknown":
            throw ShopError.validation(
                try rows.sorted { try $0.int(1) < $1.int(1) }.map { row in
                    FieldIssue(field: "items[\(try row.int(1))].sku", message: "no product has SKU \(try row.text(2))")
                })
        case "insufficient":
            let index = Int(try first.int(1))
            let item = request.items[index]
            throw ShopError.insufficientStock(sku: item.sku, available: try first.int(5), requested: item.quantity)
        case "unpriceable":
            // The function found mixed currencies or a total past Int64; OrderPricing says which line and why.
            _ = try OrderPricing.total(of: try priced(rows, request))
            throw StoreError.corruptRow("place_order refused prices OrderPricing accepts")
        case let outcome:
            throw StoreError.corruptRow("place_order outcome \(outcome)")
        }
    }

    /// The one statement an order is on PostgreSQL; `benchmarks/order-transaction.sql` runs the same
    /// (a test holds them together). The lists are comma-separated, in SKU order.
    static func placeOrderCall(
        orderID: String, paymentID: String, auditID: String, customerID: String, skus: String, quantities: String,
        positions: String, idempotencyKey: String?, fingerprint: String, now: Timestamp, traceParent: String?
    ) -> SQL {
        """
        SELECT outcome, item, item_sku, item_currency, item_price, item_stock, replay_order, replay_fingerprint
        FROM place_order(\(orderID), \(paymentID), \(auditID), \(customerID),
            string_to_array(\(skus), ','), string_to_array(\(quantities), ',')::bigint[], string_to_array(\(positions), ',')::bigint[],
            \(idempotencyKey), \(fingerprint), \(now), \(traceParent))
        """
    }

    /// The request's lines with the unit prices the function read (a row per line, by position), in request order.
    static func priced(_ rows: [SQLRow], _ request: OrderRequest) throws -> [OrderLine] {
        var prices = [Money?](repeating: nil, count: request.items.count)
        for row in rows {
            let position = Int(try row.int(1))
            guard prices.indices.contains(position) else { throw StoreError.corruptRow("place_order priced line \(position)") }
            prices[position] = try row.money(4, currencyColumn: 3)
        }
        return try zip(prices, request.items).map { price, item in
            guard let price else { throw StoreError.corruptRow("place_order left \(item.sku) unpriced") }
            return OrderLine(sku: item.sku, quantity: item.quantity, unitPrice: price)
        }
    }
}
