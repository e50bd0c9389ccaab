import Hummingbird

/// While draining, every response asks the client to close its connection, so keep-alive clients move to
/// another instance before the listener closes.
struct DrainMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    let drain: Drain

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if drain.isDraining { response.headers[.connection] = "close" }
        return response
    }
}
