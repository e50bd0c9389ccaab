import Hummingbird
import NIOCore
import Prometheus

/// Times and counts every response, problems included, by method, route template and status. The outermost
/// middleware, so a 404, 405, 413 or 422 made further in is recorded like a 200. Hummingbird's own
/// MetricsMiddleware leaves thrown errors out of its duration and has no unit in its name, so an SLO
/// built on it would miss exactly the failed requests.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    let registry: PrometheusCollectorRegistry
    let active: Gauge

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        active = registry.makeGauge(name: MetricNames.activeRequests, help: "HTTP requests being served")
    }

    static let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        active.increment()
        let start = NIODeadline.now()
        defer { active.decrement() }
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, since: start)
            return response
        } catch {
            // Only errors no middleware below turned into a response get here; the server answers them with a 500.
            record(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: NIODeadline) {
        let method = Self.standardMethods.contains(request.method.rawValue) ? request.method.rawValue : MetricNames.otherMethod
        let route = APIRoute.template(forEndpointPath: context.endpointPath) ?? MetricNames.unmatchedRoute
        let histogram = registry.makeValueHistogram(
            name: MetricNames.requestDuration,
            labels: [("http_request_method", method), ("http_route", route), ("http_response_status_code", String(status))],
            buckets: MetricNames.requestDurationBuckets,
            help: "Duration of HTTP server requests")
        histogram.record(Double((NIODeadline.now() - start).nanoseconds) / 1_000_000_000)
    }
}
