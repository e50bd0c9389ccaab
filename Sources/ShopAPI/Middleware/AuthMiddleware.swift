import Hummingbird
import Logging
import ShopContract
import ShopDomain
import ShopMetrics

/// Reads `Authorization: Bearer …` into `context.principal`. A request without the header goes on as
/// anonymous (the route decides whether that is enough); a bad token is refused with 401 here and counted
/// in `shop_auth_failures_total` by reason (per address, the address rate limit in front of this counts it).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    let tokens: TokenAuthority
    let metrics: ShopMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            metrics.authFailed(.malformed)
            throw HTTPProblem.unauthorized("Authorization must be a Bearer token")
        }
        var context = context
        let principal: Principal
        do {
            principal = try await tokens.verify(String(parts[1]))
        } catch {
            metrics.authFailed(error.reason)
            context.logger.notice("authentication failed", metadata: ["reason": "\(error.reason.rawValue)"])
            throw HTTPProblem.unauthorized(error.detail)
        }
        context.principal = principal
        context.facts.subject = principal.subject
        return try await next(request, context)
    }
}

extension ShopRequestContext {
    /// The caller, if their role is one of `roles`: 401 without a caller, 403 for another role.
    func authorize(_ roles: Set<Role>, for route: APIRoute) throws -> Principal {
        guard let principal else { throw HTTPProblem.unauthorized("this route needs a bearer token") }
        guard roles.contains(principal.role) else {
            logger.notice(
                "permission denied",
                metadata: ["subject": "\(principal.subject)", "role": "\(principal.role.rawValue)", "route": "\(route.rawValue)"])
            throw HTTPProblem.forbidden("role \(principal.role.rawValue) may not \(route.rawValue)")
        }
        return principal
    }
}

extension RouteCollection where Context == ShopRequestContext {
    /// Registers `handler` for an anonymous `route`.
    @discardableResult
    func on(_ route: APIRoute, use handler: @escaping @Sendable (Request, ShopRequestContext) async throws -> some ResponseGenerator) -> Self {
        precondition(route.access == .anonymous, "\(route) needs a role: register a handler that takes the caller")
        return on(RouterPath(route.template), method: route.method, use: handler)
    }

    /// Registers `handler` for a `route` with roles: it runs only for a caller with one of them, and gets that caller.
    @discardableResult
    func on(
        _ route: APIRoute, use handler: @escaping @Sendable (Request, ShopRequestContext, Principal) async throws -> some ResponseGenerator
    ) -> Self {
        guard case .roles(let roles) = route.access else { preconditionFailure("\(route) is anonymous: register a handler without a caller") }
        return on(RouterPath(route.template), method: route.method) { request, context in
            try await handler(request, context, try context.authorize(roles, for: route))
        }
    }
}
