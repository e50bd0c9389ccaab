import Hummingbird
import Prometheus

/// `GET /metrics` for Prometheus.
struct MetricsController {
    let registry: PrometheusCollectorRegistry
    let process: ProcessMetrics

    var routes: RouteCollection<ShopRequestContext> {
        RouteCollection(context: ShopRequestContext.self)
            .on(.metrics) { request, _ in
                process.update()
                let (contentType, body) = MetricsExposition.render(
                    registry, openMetrics: MetricsExposition.wantsOpenMetrics(accept: request.headers[.accept]))
                return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: body))
            }
    }
}
