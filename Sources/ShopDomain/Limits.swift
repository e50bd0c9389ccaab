/// Bounds on what a client may ask for, so that no request can overflow a sum or exhaust memory.
package enum Limits {
    /// Lines in one order.
    package static let maxOrderLines = 50
    /// Units of one SKU in one order line, one pick or one adjustment.
    package static let maxQuantity: Int64 = 10_000
    /// Units of one SKU in stock; a restock or adjustment beyond it is refused.
    package static let maxStock: Int64 = 1_000_000_000
    /// Page size for every listing.
    package static let defaultPageSize = 20
    package static let maxPageSize = 100
    /// Length of free-text fields (reasons) and of an Idempotency-Key.
    package static let maxReasonLength = 200
    package static let maxIdempotencyKeyLength = 255
}
