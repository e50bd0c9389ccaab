import ShopDomain
import ShopSupport

/// A statement shape run often enough to be prepared once per PostgreSQL connection: its name, and its text
/// as the `SQL` builder writes it (the values in a statement never change its text).
protocol PreparedShape {
    static var name: String { get }
    static var text: String { get }
}

extension SQL {
    /// This statement, run on PostgreSQL as the prepared statement `shape` (whose text it must have).
    /// SQLite ignores it: its statements are prepared in the same process, with nothing to parse twice on a wire.
    func prepared(as shape: any PreparedShape.Type) -> SQL {
        assert(text(placeholderPrefix: "$") == shape.text, "a statement prepared as \(shape.name) has another text")
        var statement = self
        statement.shape = shape
        return statement
    }
}

// The hot shapes, each with its text from the builder the repository calls (placeholder values only).

/// An order: one call of `place_order`.
enum PlaceOrderCall: PreparedShape {
    static let name = "place_order_call"
    static let text = SQLShopRepository.placeOrderCall(
        orderID: "", paymentID: "", auditID: "", customerID: "", skus: "", quantities: "", positions: "", idempotencyKey: nil,
        fingerprint: "", now: Timestamp(millisecondsSinceEpoch: 0), traceParent: nil
    ).text(placeholderPrefix: "$")
}

/// A product on a catalogue cache miss.
enum ProductRead: PreparedShape {
    static let name = "product_read"
    static let text = SQLShopRepository.productRead("").text(placeholderPrefix: "$")
}

/// A SKU's stock.
enum StockRead: PreparedShape {
    static let name = "stock_read"
    static let text = SQLShopRepository.stockRead("").text(placeholderPrefix: "$")
}

/// An order's row, then its lines.
enum OrderRead: PreparedShape {
    static let name = "order_read"
    static let text = SQLShopRepository.orderRead("").text(placeholderPrefix: "$")
}

enum OrderLinesRead: PreparedShape {
    static let name = "order_lines_read"
    static let text = SQLShopRepository.orderLinesRead("").text(placeholderPrefix: "$")
}

/// The settlement's lease of due payments.
enum PaymentClaim: PreparedShape {
    static let name = "payment_claim"
    static let text = SQLShopRepository.claimStatement(
        limit: 0, leaseMilliseconds: 0, at: Timestamp(millisecondsSinceEpoch: 0), dialect: .postgres
    ).text(placeholderPrefix: "$")
}

/// The settlement's group commit: one call of `record_payment_outcomes`.
enum PaymentOutcomesCall: PreparedShape {
    static let name = "payment_outcomes_call"
    static let text = SQLShopRepository.recordOutcomesCall(json: "", at: Timestamp(millisecondsSinceEpoch: 0)).text(placeholderPrefix: "$")
}
