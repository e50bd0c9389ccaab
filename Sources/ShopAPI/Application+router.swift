import Hummingbird
import ShopContract
import ShopStore
import ShopSupport

/// The public router: the middleware in the one order that holds, then every controller.
///
/// Outermost first:
/// 1. `RequestTelemetryMiddleware`: the span, the request histogram and the access line see every answer,
///    problems included (with request telemetry off it is left out).
/// 2. `DrainMiddleware`: while draining, every answer asks the client to close its connection.
/// 3. `ProblemMiddleware`: every error below, and every unmatched route, becomes a problem+json answer.
/// 4. `RateLimitMiddleware` (address): every request counts against its address before its token is
///    checked, so bad tokens are limited too.
/// 5. `AuthMiddleware`: the token's principal and the route's roles.
/// 6. `RateLimitMiddleware` (caller): per user and per route.
/// 7. `RouteFaultMiddleware`: the switchboard's injected errors and latency on a route.
func buildRouter(
    _ shop: ShopServices, configuration: AppConfiguration, clock: any ShopClock, drain: Drain,
    metricsRoutes: RouteCollection<ShopRequestContext>?
) throws -> Router<ShopRequestContext> {
    // HEAD on every GET route: the GET's status and headers, no body.
    let router = Router(context: ShopRequestContext.self, options: .autoGenerateHeadEndpoints)
    if let requestMetrics = shop.requestMetrics {
        router.add(middleware: RequestTelemetryMiddleware(metrics: requestMetrics))
    }
    router.add(middleware: DrainMiddleware(drain: drain))
    let publicRoutes = APIRoute.allCases.filter { $0 != .metrics || metricsRoutes != nil }
    router.add(middleware: ProblemMiddleware(bodyLimit: configuration.maxBodyBytes, routes: publicRoutes))
    if configuration.rateLimits != .off {
        router.add(middleware: RateLimitMiddleware(limiter: shop.limiter, settings: configuration.rateLimits, stage: .address))
    }
    router.add(middleware: AuthMiddleware(tokens: shop.tokens, metrics: shop.metrics))
    if configuration.rateLimits != .off {
        router.add(middleware: RateLimitMiddleware(limiter: shop.limiter, settings: configuration.rateLimits, stage: .caller))
    }
    router.add(middleware: RouteFaultMiddleware(faults: shop.faults))

    if let metricsRoutes { router.addRoutes(metricsRoutes) }
    let repository = shop.repository
    router.addRoutes(HealthController(repository: repository, openAPIDocument: try HealthController.loadOpenAPIDocument(), drain: drain).routes)
    router.addRoutes(ProductsController(repository: repository, catalog: CachedCatalog(repository: repository, clock: clock)).routes)
    router.addRoutes(InventoryController(repository: repository, clock: clock, metrics: shop.metrics).routes)
    router.addRoutes(FaultsController(switchboard: shop.faults, metrics: shop.metrics).routes)
    router.addRoutes(AuthController(service: shop.accounts).routes)
    router.addRoutes(OrdersController(repository: repository, clock: clock, payments: shop.processor, metrics: shop.metrics).routes)
    return router
}
