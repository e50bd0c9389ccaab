import Hummingbird
import NIOCore
import Prometheus
import Synchronization

/// The HTTP server's series in one registry: the request histogram and the in-flight gauge.
final class HTTPServerMetrics: Sendable {
    static let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

    let registry: PrometheusCollectorRegistry
    let active: Gauge
    /// The histogram of each series seen, so a request does not pay for the registry's lock and label keys.
    private let histograms = Mutex<[SeriesKey: ValueHistogram]>([:])

    private struct SeriesKey: Hashable {
        let method: String
        let route: String
        let status: Int
    }

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        active = registry.makeGauge(name: MetricNames.activeRequests, help: "HTTP requests being served")
    }

    /// Records one response. The method and route are bounded here: unknown methods become `_OTHER`, paths no
    /// route matched become `unmatched`.
    func record(method rawMethod: String, endpointPath: String?, status: Int, seconds: Double) {
        let method = Self.standardMethods.contains(rawMethod) ? rawMethod : MetricNames.otherMethod
        let route = APIRoute.template(forEndpointPath: endpointPath) ?? MetricNames.unmatchedRoute
        let key = SeriesKey(method: method, route: route, status: status)
        let histogram = histograms.withLock { known in
            if let histogram = known[key] { return histogram }
            let histogram = registry.makeValueHistogram(
                name: MetricNames.requestDuration,
                labels: [("http_request_method", method), ("http_route", route), ("http_response_status_code", String(status))],
                buckets: MetricNames.requestDurationBuckets,
                help: "Duration of HTTP server requests")
            known[key] = histogram
            return histogram
        }
        histogram.record(seconds)
    }
}

/// Times and counts every response, problems included, by method, route template and status. The outermost
/// middleware, so a 404, 405, 413 or 422 made further in is recorded like a 200. Hummingbird's own
/// MetricsMiddleware leaves thrown errors out of its duration and has no unit in its name, so an SLO
/// built on it would miss exactly the failed requests.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    let metrics: HTTPServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        metrics.active.increment()
        let start = NIODeadline.now()
        defer { metrics.active.decrement() }
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
        metrics.record(
            method: request.method.rawValue, endpointPath: context.endpointPath, status: status,
            seconds: Double((NIODeadline.now() - start).nanoseconds) / 1_000_000_000)
    }
}
