import Hummingbird
import ShopContract

/// Turns every error thrown below it, and every unmatched route, into one problem+json response
/// (`ProblemMapping`), so the telemetry and drain middleware outside it see the answer the client gets.
/// Also applies the configured body limit.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    let bodyLimit: Int
    /// The routes this middleware's router serves, for 405 answers.
    let routes: [APIRoute]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.bodyLimit = bodyLimit
        do {
            return try await next(request, context)
        } catch {
            var error = error
            if let httpError = error as? HTTPError, httpError.status == .notFound, context.endpointPath == "NotFound" {
                // The router found no route for this method; another method at the same path makes it a 405.
                let allowed = APIRoute.methods(servingPath: request.uri.path, among: routes)
                error = allowed.isEmpty ? HTTPProblem.routeNotFound : HTTPProblem.methodNotAllowed(allowed)
            }
            let (problem, headers) = ProblemMapping.problem(for: error, path: request.uri.path, logger: context.logger)
            return ProblemMapping.response(problem, headers: headers)
        }
    }
}
