import HTTPTypes
import ShopDomain

/// An RFC 9457 problem: what every error response of the API carries, as `application/problem+json`.
package struct ProblemDetails: Codable, Sendable, Equatable {
    package var type: String
    package var title: String
    package var status: Int
    package var detail: String?
    package var instance: String?
    /// Per-field details of a 422.
    package var errors: [FieldIssue]?
    /// With an insufficient-stock 409: the SKU, units available and units asked for.
    package var sku: String?
    package var available: Int64?
    package var requested: Int64?

    /// A problem of `type` (`about:blank` when nil: the status says it all), titled by its status unless told.
    package init(type: ProblemType? = nil, status: HTTPResponse.Status, title: String? = nil, detail: String? = nil) {
        self.type = type?.rawValue ?? "about:blank"
        self.title = title ?? status.reasonPhrase
        self.status = status.code
        self.detail = detail
    }
}

/// The problem types the API answers with where a status alone says too little.
package enum ProblemType: String, CaseIterable, Sendable {
    case validation = "urn:shop:problem:validation"
    case insufficientStock = "urn:shop:problem:insufficient-stock"
    case invalidState = "urn:shop:problem:invalid-state"
    case idempotencyKeyReused = "urn:shop:problem:idempotency-key-reused"
    case malformedJSON = "urn:shop:problem:malformed-json"
    case injectedFault = "urn:shop:problem:injected-fault"
    case malformedRequest = "urn:shop:problem:malformed-request"
    case requestTimeout = "urn:shop:problem:request-timeout"
    case rateLimited = "urn:shop:problem:rate-limited"
    case alreadyExists = "urn:shop:problem:already-exists"
    /// A sign-in or a refresh refused: the same answer whatever was wrong (no such account, a wrong
    /// password, a refresh token expired, revoked or used before), so it tells an attacker nothing.
    case invalidCredentials = "urn:shop:problem:invalid-credentials"
}
