import Hummingbird
import Prometheus
import ShopContract

/// `GET /metrics` for Prometheus.
struct MetricsController {
    let registry: PrometheusCollectorRegistry
    let process: ProcessMetrics
    /// The request histogram's exemplars; nil with request telemetry off.
    let exemplars: RequestExemplars?

    var routes: RouteCollection<ShopRequestContext> {
        RouteCollection(context: ShopRequestContext.self)
            .on(.metrics, use: metrics)
    }

    /// `GET /metrics`: Prometheus text, or OpenMetrics with exemplars when asked for.
    @Sendable func metrics(_ request: Request, _: ShopRequestContext) async throws -> Response {
        process.update()
        let (contentType, body) = MetricsExposition.render(
            registry, openMetrics: MetricsExposition.wantsOpenMetrics(accept: request.headers[.accept]), exemplars: exemplars)
        return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: body))
    }
}
