import Hummingbird
import ShopDomain

/// Reads `Authorization: Bearer …` into `context.principal`. A request without the header goes on as
/// anonymous (the route decides whether that is enough); a bad token is refused with 401 here.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    let tokens: TokenAuthority

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw HTTPProblem.unauthorized("Authorization must be a Bearer token")
        }
        var context = context
        context.principal = try await tokens.verify(String(parts[1]))
        return try await next(request, context)
    }
}

extension ShopRequestContext {
    /// Enforces `access`: 401 without a caller, 403 for a caller whose role is not allowed.
    func authorize(_ access: APIRoute.Access, for route: APIRoute) throws -> Principal? {
        guard case .roles(let roles) = access else { return principal }
        guard let principal else { throw HTTPProblem.unauthorized("this route needs a bearer token") }
        guard roles.contains(principal.role) else {
            logger.notice("permission denied", metadata: ["subject": "\(principal.subject)", "role": "\(principal.role.rawValue)", "route": "\(route.rawValue)"])
            throw HTTPProblem.forbidden("role \(principal.role.rawValue) may not \(route.rawValue)")
        }
        return principal
    }
}

extension RouteCollection where Context == ShopRequestContext {
    /// Registers `handler` for `route` behind its access rule; the handler gets the caller (nil when anonymous).
    @discardableResult
    func on(
        _ route: APIRoute,
        use handler: @escaping @Sendable (Request, ShopRequestContext, Principal?) async throws -> some ResponseGenerator
    ) -> Self {
        on(RouterPath(route.template), method: route.method) { request, context in
            let principal = try context.authorize(route.access, for: route)
            return try await handler(request, context, principal)
        }
    }
}
