import HTTPTypes
import Hummingbird
import ShopCache
import ShopDomain

/// Applies the rate limits after authentication: per user (the token's subject), per client address, and
/// per route where one is configured. Allowed responses carry `RateLimit-Limit`, `RateLimit-Remaining` and
/// `RateLimit-Reset` (seconds) for the limit closest to running out; a refusal is a 429 problem with
/// `Retry-After` as well. Probes and `/metrics` are never limited.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    let limiter: RateLimiter
    let settings: RateLimitSettings

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let route = APIRoute.route(request.method, path: request.uri.path)
        guard route?.isRateLimited ?? true, let (rule, decision) = await limiter.check(rules(request, context, route)) else {
            return try await next(request, context)
        }
        switch decision {
        case .allowed(let limit, let remaining, let reset):
            var response = try await next(request, context)
            response.headers.append(contentsOf: Self.headers(limit, remaining: remaining, resetMicroseconds: reset))
            return response
        case .limited(let limit, let retryAfter, let reset):
            context.logger.notice("rate limited", metadata: ["scope": "\(rule.scope)", "limit": "\(limit)"])
            throw HTTPProblem.rateLimited(
                scope: rule.scope, retryAfterSeconds: Self.seconds(retryAfter), headers: Self.headers(limit, remaining: 0, resetMicroseconds: reset))
        }
    }

    private func rules(_ request: Request, _ context: Context, _ route: APIRoute?) -> [RateLimitRule] {
        var rules: [RateLimitRule] = []
        let subject = context.principal?.subject
        if let limit = settings.perUser, let subject { rules.append(RateLimitRule(scope: "user", key: "user:" + subject, limit: limit)) }
        if let limit = settings.perAddress, let address = context.clientAddress {
            rules.append(RateLimitRule(scope: "ip", key: "ip:" + address, limit: limit))
        }
        if let route, let limit = settings.perRoute[route], let caller = subject.map({ "user:" + $0 }) ?? context.clientAddress.map({ "ip:" + $0 }) {
            rules.append(RateLimitRule(scope: "route", key: "route:\(route.rawValue):" + caller, limit: limit))
        }
        return rules
    }

    /// Whole seconds, rounded up, so a client that waits that long is allowed.
    private static func seconds(_ microseconds: Int64) -> Int { Int((microseconds + 999_999) / 1_000_000) }

    private static func headers(_ limit: RateLimit, remaining: Int, resetMicroseconds: Int64) -> HTTPFields {
        [
            .rateLimitLimit: String(limit.limit),
            .rateLimitRemaining: String(remaining),
            .rateLimitReset: String(seconds(resetMicroseconds)),
        ]
    }
}

extension HTTPField.Name {
    // draft-ietf-httpapi-ratelimit-headers: the limit, what is left of it, and seconds until it is whole again.
    static let rateLimitLimit = Self("RateLimit-Limit")!
    static let rateLimitRemaining = Self("RateLimit-Remaining")!
    static let rateLimitReset = Self("RateLimit-Reset")!
}
