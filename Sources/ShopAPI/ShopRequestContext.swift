import Foundation
import Hummingbird
import ShopDomain

/// Per-request state: Hummingbird's core plus the authenticated caller, if any.
public struct ShopRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware` from a valid bearer token.
    public var principal: Principal?
    /// Refuse larger bodies with 413 (set from `AppConfiguration.maxBodyBytes` by the middleware).
    public var bodyLimit = 64 * 1024

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { bodyLimit }
    public var responseEncoder: JSONEncoder { Self.encoder }

    /// One encoder for every response body (bodies spell their snake_case keys themselves).
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // sorted: stable bytes, so an idempotent replay is identical
        return encoder
    }()
}
