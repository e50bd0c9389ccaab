/// Every failure the shop's rules and stores can report. The HTTP layer maps each case to one
/// problem+json response; nothing else decides a status code.
package enum ShopError: Error, Sendable, Equatable {
    /// The request is well-formed but breaks a rule; one entry per offending field.
    case validation([FieldIssue])
    case notFound(resource: String, id: String)
    /// Not enough units of `sku` to take `requested`.
    case insufficientStock(sku: SKU, available: Int64, requested: Int64)
    /// The action does not apply to a resource in its current state.
    case invalidState(resource: String, state: String, action: String)
    /// The same Idempotency-Key was used with a different request body.
    case idempotencyKeyReused
    /// A resource with this identity exists already (an account's email).
    case alreadyExists(resource: String)
    /// A dependency (database, gateway) cannot answer now; the caller may retry after the given seconds.
    case unavailable(dependency: String, retryAfterSeconds: Int)
}

package struct FieldIssue: Sendable, Equatable, Codable {
    /// A JSON path into the request, e.g. `items[2].quantity`, or a query parameter name.
    package let field: String
    package let message: String

    package init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

extension [FieldIssue] {
    /// The issues in one line, `field message; field message`: a problem's detail, a command's failure.
    package var sentence: String { map { "\($0.field) \($0.message)" }.joined(separator: "; ") }
}
