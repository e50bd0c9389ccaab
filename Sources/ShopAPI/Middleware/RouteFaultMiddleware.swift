import Hummingbird
import ShopContract
import ShopDomain

/// Applies the switchboard's route faults: added latency, then failures at the configured ratio (spread evenly, see `FaultSwitchboard.strikes`), answered
/// as a 500 problem like any internal failure would be.
struct RouteFaultMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    let faults: FaultSwitchboard

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let routes = faults.faults.routes
        if !routes.isEmpty, let route = APIRoute.template(forEndpointPath: context.endpointPath), let fault = routes[route] {
            if fault.latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(fault.latencyMilliseconds)) }
            if faults.strikes(at: .route(route)) { throw HTTPProblem.injectedFault }
        }
        return try await next(request, context)
    }
}
