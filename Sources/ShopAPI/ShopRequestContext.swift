import Foundation
import Hummingbird
import ShopDomain
import Synchronization

/// Per-request state: Hummingbird's core plus the authenticated caller, if any.
package struct ShopRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware` from a valid bearer token.
    package var principal: Principal?
    /// The tightest rate-limit decision so far (the address stage's, then the caller stage's), for the headers.
    package var rateLimitDecision: RateLimitDecision?
    /// Refuse larger bodies with 413 (set from `AppConfiguration.maxBodyBytes` by the middleware).
    package var bodyLimit = 64 * 1024
    /// What inner middleware learns that the outermost one logs (the context itself is a value).
    package let facts = RequestFacts()
    /// The peer's IP address, when the connection has one.
    package let clientAddress: String?

    package init(source: Source) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    package var maxUploadSize: Int { bodyLimit }
    package var responseEncoder: JSONEncoder { Self.encoder }

    /// One encoder for every response body (bodies spell their snake_case keys themselves).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // sorted: stable bytes, so an idempotent replay is identical
        return encoder
    }()
}

/// Per-request facts shared by reference between middlewares.
package final class RequestFacts: Sendable {
    private let authenticatedSubject = Mutex<String?>(nil)

    /// The authenticated caller's subject, set by `AuthMiddleware`.
    package var subject: String? {
        get { authenticatedSubject.withLock { $0 } }
        set { authenticatedSubject.withLock { $0 = newValue } }
    }
}
