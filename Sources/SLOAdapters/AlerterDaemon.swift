import Hummingbird
import Logging
import NIOCore
import Prometheus
import SLOSpec
import ServiceLifecycle
import UnixSignals

/// `shop-slo alert` as a process: the burn-rate alerter beside a small HTTP server for its `/metrics` and
/// `/healthz`, until SIGTERM or SIGINT.
package enum AlerterDaemon {
    package static func run(
        slos: [ServiceLevelObjective], prometheus: String, alertmanager: String, settings: BurnRateAlerter.Settings, host: String, port: Int,
        logger: Logger
    ) async throws {
        let metrics = AlerterMetrics(slos: slos.map(\.name))
        let alerter = BurnRateAlerter(
            slos: slos, source: PrometheusSource(api: PrometheusAPI(baseURL: prometheus)), alertmanager: AlertmanagerAPI(baseURL: alertmanager),
            settings: settings, logger: logger, metrics: metrics)
        let router = Router()
        router.get("/metrics") { _, _ in
            var bytes: [UInt8] = []
            metrics.registry.emit(into: &bytes)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/healthz") { _, _ in "ok" }
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "shop-slo"), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app, alerter], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
