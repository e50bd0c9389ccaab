import HTTPTypes
import Hummingbird
import Logging
import ShopCache
import ShopContract
import ShopDomain

/// Applies the rate limits in two stages around authentication. The address stage runs before it, so every
/// request counts against its client address, a forged or missing token included, before any signature
/// work: a flood of bad tokens from one address turns into 429s. The caller stage runs after it, per user
/// (the token's subject). Per-route limits are counted per user, or per address for anonymous callers.
/// Allowed responses carry `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds) for the
/// limit closest to running out across both stages; a refusal is a 429 problem with `Retry-After` as well.
/// Probes and `/metrics` are never limited.
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    enum Stage {
        /// Before authentication: the client address, and per-route limits of anonymous requests.
        case address
        /// After authentication: the user, and per-route limits of authenticated requests.
        case caller
    }

    let limiter: RateLimiter
    let settings: RateLimitSettings
    let stage: Stage

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The route the router matched (its endpoint path is set before any middleware runs).
        let route = APIRoute.route(request.method, endpointPath: context.endpointPath)
        guard route?.isRateLimited ?? true, let (rule, decision) = await limiter.check(rules(request, context, route)) else {
            return try await next(request, context)
        }
        switch decision {
        case .allowed:
            var context = context
            // The tighter of this stage's decision and the address stage's, for the response's headers.
            let binding = context.rateLimitDecision.map { RateLimiter.precedes($0, decision) ? $0 : decision } ?? decision
            context.rateLimitDecision = binding
            var response = try await next(request, context)
            if response.headers[.rateLimitLimit] == nil, case .allowed(let limit, let remaining, let reset) = binding {
                response.headers.append(contentsOf: Self.headers(limit, remaining: remaining, resetMicroseconds: reset))
            }
            return response
        case .limited(let limit, let retryAfter, let reset):
            context.logger.notice("rate limited", metadata: ["scope": "\(rule.scope)", "limit": "\(limit)"])
            throw Self.refusal(scope: rule.scope, limit: limit, retryAfterMicroseconds: retryAfter, resetMicroseconds: reset)
        }
    }

    private func rules(_ request: Request, _ context: Context, _ route: APIRoute?) -> [RateLimitRule] {
        var rules: [RateLimitRule] = []
        switch stage {
        case .address:
            guard let address = context.clientAddress else { return [] }
            if let limit = settings.perAddress { rules.append(RateLimitRule(scope: "ip", key: "ip:" + address, limit: limit)) }
            if request.headers[.authorization] == nil, let route, let limit = settings.perRoute[route] {
                rules.append(RateLimitRule(scope: "route", key: "route:\(route.rawValue):ip:" + address, limit: limit))
            }
        case .caller:
            guard let subject = context.principal?.subject else { return [] }
            if let limit = settings.perUser { rules.append(RateLimitRule(scope: "user", key: "user:" + subject, limit: limit)) }
            if let route, let limit = settings.perRoute[route] {
                rules.append(RateLimitRule(scope: "route", key: "route:\(route.rawValue):user:" + subject, limit: limit))
            }
        }
        return rules
    }

    /// The 429 of a limit used up: `Retry-After` and the limit's headers, for this middleware and the sign-in limit alike.
    static func refusal(scope: String, limit: RateLimit, retryAfterMicroseconds: Int64, resetMicroseconds: Int64) -> HTTPProblem {
        .rateLimited(
            scope: scope, retryAfterSeconds: seconds(retryAfterMicroseconds),
            headers: headers(limit, remaining: 0, resetMicroseconds: resetMicroseconds))
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
