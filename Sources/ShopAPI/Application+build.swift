import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import ShopContract
import ShopSupport

/// Builds the API server from `configuration`: its services (`ShopServices`), its router (`buildRouter`),
/// the guarded HTTP/1 server, and the store's preparation before it listens. Logging, metrics and tracing
/// backends are bootstrapped by `main`, never here: tests build many apps, each with a registry of its own
/// (`main` passes the one it bootstrapped swift-metrics with).
package func buildApplication(
    _ configuration: AppConfiguration, clock: any ShopClock = SystemClock(),
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), logger: Logger? = nil, drain: Drain = Drain()
) async throws -> some ApplicationProtocol {
    let logger = {
        var logger = logger ?? Logger(label: "shop-api")
        logger.logLevel = configuration.logLevel
        return logger
    }()
    let shop = try await ShopServices(configuration, clock: clock, registry: metrics, logger: logger)
    let metricsRoutes = MetricsController(
        registry: metrics, process: ProcessMetrics(registry: metrics, commit: configuration.buildCommit), exemplars: shop.requestMetrics?.exemplars
    ).routes
    var services = shop.services
    if let metricsPort = configuration.metricsPort {
        // An admin listener of its own, so the scrape endpoint can stay off the public port.
        let adminRouter = Router(context: ShopRequestContext.self, options: .autoGenerateHeadEndpoints)
        adminRouter.add(middleware: ProblemMiddleware(bodyLimit: configuration.maxBodyBytes, routes: [.metrics]))
        adminRouter.addRoutes(metricsRoutes)
        services.append(
            Application(
                router: adminRouter, configuration: .init(address: .hostname(configuration.host, port: metricsPort), serverName: "shop-api-admin"),
                logger: logger))
    }
    let router = try buildRouter(
        shop, configuration: configuration, clock: clock, drain: drain, metricsRoutes: configuration.metricsPort == nil ? metricsRoutes : nil)

    let connectionEvents = ConnectionEvents(requests: shop.requestMetrics, metrics: shop.metrics, logger: logger)
    let connectionCap = configuration.connections.resolvedMaximumConnections(
        descriptorLimit: DescriptorLimit.current() ?? 1_048_576, pools: shop.pooledConnections)
    let registry = ConnectionRegistry(capacity: connectionCap, perAddress: configuration.connections.maximumConnectionsPerAddress)
    var app = Application(
        router: router,
        server: .guardedHTTP1(limits: configuration.connections, registry: registry, events: connectionEvents),
        // A deep accept queue (the kernel caps it at net.core.somaxconn): while a flood of connections churns
        // through the cap, a full queue would drop a normal client's SYN and cost it a 1 s retransmission.
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "shop-api", backlog: 4096),
        services: services,
        onServerRunning: { listener in
            logger.info("accepting connections", metadata: ["max_connections": "\(connectionCap)"])
            try? await listener.pipeline.addHandler(AcceptErrorReporter(events: connectionEvents), position: .first).get()
        },
        logger: logger)
    app.beforeServerStarts {
        try await shop.prepare(configuration, clock: clock, logger: logger)
    }
    return app
}
