import DatabaseObservation
import Foundation
import Hummingbird
import Logging
import PaymentGateway
import Prometheus
import ServiceLifecycle
import ShopCache
import ShopAuth
import ShopContract
import ShopDomain
import ShopMetrics
import ShopRedis
import ShopStore
import ShopSupport

/// Builds the API server from `configuration`: store, migrations, payment gateway and processor, routes.
/// Logging, metrics and tracing backends are bootstrapped by `main`, never here: tests build many apps,
/// each with a registry of its own (`main` passes the one it bootstrapped swift-metrics with).
public func buildApplication(
    _ configuration: AppConfiguration, clock: any ShopClock = SystemClock(),
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), logger: Logger? = nil, drain: Drain = Drain()
) async throws -> some ApplicationProtocol {
    let logger = {
        var logger = logger ?? Logger(label: "shop-api")
        logger.logLevel = configuration.logLevel
        return logger
    }()
    var services: [any Service] = []

    // A bad URL is the first thing to tell, before what PostgreSQL mode also needs.
    let postgresConfiguration = try configuration.databaseURL.map {
        try PostgresDatabase.configuration(url: $0, maximumConnections: configuration.databasePoolSize)
    }
    let redisConfiguration: RedisConfiguration?
    do {
        redisConfiguration = try configuration.redisURL.map { try RedisConfiguration(url: $0, maximumConnections: configuration.redisPoolSize) }
    } catch {
        throw ConfigurationError("\(error)")
    }
    // The flag and SHOP_JWT_SECRET are already in the configuration: only the data directory is left.
    let resolved: JWTSecret.Resolved?
    do {
        resolved = try JWTSecret.resolve(
            flag: configuration.jwtSecret, dataDirectory: configuration.dataDirectory, environment: [:],
            fallback: configuration.usesPostgres ? .none : .createInDataDirectory)
    } catch {
        throw ConfigurationError(error.description)
    }
    guard let resolved else { throw ConfigurationError("with PostgreSQL a JWT secret is required: pass --jwt-secret or set SHOP_JWT_SECRET") }
    if resolved.created {
        logger.notice("generated a JWT secret for the embedded mode", metadata: ["file": "\(configuration.dataDirectory)/jwt-secret"])
    }
    let tokens = try await TokenAuthority(secret: resolved.secret, clock: clock)

    let shopMetrics = ShopMetrics(registry: metrics)
    let system = postgresConfiguration == nil ? "sqlite" : "postgresql"
    let observer = !configuration.requestTelemetry ? nil : DatabaseObserver(
        system: system,
        statement: { shopMetrics.databaseStatement(system: system, operation: $0, seconds: $1, failed: $2) },
        lease: { event in
            switch event {
            case .requested: shopMetrics.databaseLeaseRequested()
            case .acquired(let waited): shopMetrics.databaseLeaseAcquired(waitedSeconds: waited)
            case .released: shopMetrics.databaseLeaseReleased()
            }
        })
    let database: any SQLDatabase
    if let postgresConfiguration {
        shopMetrics.databasePool(maximumConnections: configuration.databasePoolSize)
        database = PostgresDatabase(configuration: postgresConfiguration, logger: logger, observer: observer)
    } else {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        database = try await SQLiteDatabase.open(path: configuration.sqlitePath, logger: logger, observer: observer)
    }
    // First in, so last out: the server and the payment processor stop before the database closes.
    services.append(DatabaseService(database: database))
    let faults = FaultSwitchboard()
    let redis = redisConfiguration.map { redisConfiguration in
        RedisClient(configuration: redisConfiguration, observer: !configuration.requestTelemetry ? nil : DatabaseObserver(system: "redis") {
            shopMetrics.databaseStatement(system: "redis", operation: $0, seconds: $1, failed: $2)
        })
    }
    let redisHealth = redis.map { _ in DependencyHealth(name: "redis", logger: logger, metrics: shopMetrics) }
    if let redis { services.append(RedisService(client: redis)) }
    let cache = FallbackCache(redis: redis, health: redisHealth, metrics: shopMetrics, clock: clock)
    let repository = CachingShopRepository(SQLShopRepository(database: FaultInjectingDatabase(database, faults: faults)), cache: cache)

    let gatewayAddress = GatewayAddress(url: configuration.paymentGatewayURL)
    if configuration.paymentGatewayURL == nil {
        let sandbox = SandboxGateway(settings: configuration.sandboxSettings)
        services.append(sandbox.application(host: configuration.host, port: configuration.sandboxPort, logger: logger) { port in
            await gatewayAddress.set("http://\(configuration.host):\(port)")
            logger.info("payment sandbox listening", metadata: ["port": "\(port)"])
        })
    }
    let gateway = PaymentGatewayClient(
        address: gatewayAddress, settings: .init(timeout: configuration.paymentGatewayTimeout, breakerOpenDuration: configuration.paymentBreakerOpenDuration), clock: clock, metrics: shopMetrics,
        faults: faults)
    let processor = PaymentProcessor(
        repository: repository, gateway: gateway, clock: clock,
        settings: .init(retryPolicy: configuration.paymentRetry, pollInterval: configuration.paymentPollInterval),
        metrics: shopMetrics, logger: logger)
    if configuration.settlesPayments {
        services.append(processor)
    } else {
        logger.notice("payment settlement is off: payments stay pending until an instance that settles takes them")
    }

    // HEAD on every GET route: the GET's status and headers, no body.
    let router = Router(context: ShopRequestContext.self, options: .autoGenerateHeadEndpoints)
    let requestMetrics = configuration.requestTelemetry ? HTTPServerMetrics(registry: metrics) : nil
    if let requestMetrics {
        router.add(middleware: RequestTelemetryMiddleware(metrics: requestMetrics))
    }
    let publicRoutes = APIRoute.allCases.filter { $0 != .metrics || configuration.metricsPort == nil }
    router.add(middleware: DrainMiddleware(drain: drain))
    router.add(middleware: ProblemMiddleware(bodyLimit: configuration.maxBodyBytes, routes: publicRoutes))
    // Every request counts against its address before its token is checked, so bad tokens are limited too.
    let limiter = RateLimiter(redis: redis, health: redisHealth, metrics: shopMetrics, clock: clock)
    if configuration.rateLimits != .off {
        router.add(middleware: RateLimitMiddleware(limiter: limiter, settings: configuration.rateLimits, stage: .address))
    }
    router.add(middleware: AuthMiddleware(tokens: tokens, metrics: shopMetrics))
    if configuration.rateLimits != .off {
        router.add(middleware: RateLimitMiddleware(limiter: limiter, settings: configuration.rateLimits, stage: .caller))
    }
    router.add(middleware: RouteFaultMiddleware(faults: faults))
    let metricsRoutes = MetricsController(
        registry: metrics, process: ProcessMetrics(registry: metrics, commit: configuration.buildCommit), exemplars: requestMetrics?.exemplars
    ).routes
    if let metricsPort = configuration.metricsPort {
        // An admin listener of its own, so the scrape endpoint can stay off the public port.
        let adminRouter = Router(context: ShopRequestContext.self, options: .autoGenerateHeadEndpoints)
        adminRouter.add(middleware: ProblemMiddleware(bodyLimit: configuration.maxBodyBytes, routes: [.metrics]))
        adminRouter.addRoutes(metricsRoutes)
        services.append(Application(
            router: adminRouter, configuration: .init(address: .hostname(configuration.host, port: metricsPort), serverName: "shop-api-admin"),
            logger: logger))
    } else {
        router.addRoutes(metricsRoutes)
    }
    router.addRoutes(HealthController(repository: repository, openAPIDocument: try HealthController.loadOpenAPIDocument(), drain: drain).routes)
    router.addRoutes(ProductsController(repository: repository, catalog: CachedCatalog(repository: repository, clock: clock)).routes)
    router.addRoutes(InventoryController(repository: repository, clock: clock, metrics: shopMetrics).routes)
    router.addRoutes(FaultsController(switchboard: faults, metrics: shopMetrics).routes)
    router.addRoutes(OrdersController(repository: repository, clock: clock, payments: processor, metrics: shopMetrics).routes)

    let connectionEvents = ConnectionEvents(requests: requestMetrics, metrics: shopMetrics, logger: logger)
    let connectionCap = configuration.connections.resolvedMaximumConnections(
        descriptorLimit: DescriptorLimit.current() ?? 1_048_576,
        pools: (postgresConfiguration == nil ? 0 : configuration.databasePoolSize) + (redisConfiguration == nil ? 0 : configuration.redisPoolSize))
    var app = Application(
        router: router,
        server: .guardedHTTP1(limits: configuration.connections, registry: ConnectionRegistry(capacity: connectionCap, perAddress: configuration.connections.maximumConnectionsPerAddress), events: connectionEvents),
        // A deep accept queue (the kernel caps it at net.core.somaxconn): while a flood of connections churns
        // through the cap, a full queue would drop a normal client's SYN and cost it a 1 s retransmission.
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "shop-api", backlog: 4096),
        services: services,
        onServerRunning: { listener in
            logger.info("accepting connections", metadata: ["max_connections": "\(connectionCap)"])
            try? await listener.pipeline.addHandler(AcceptErrorReporter(events: connectionEvents), position: .first).get()
        },
        logger: logger)
    let demoCatalogSize = configuration.resolvedDemoCatalogSize
    let storeName = postgresConfiguration.map { "PostgreSQL at \($0.host ?? "?"):\($0.port ?? 5432)" } ?? configuration.sqlitePath
    app.beforeServerStarts {
        do {
            try await withDeadline(configuration.startupTimeout) {
                try await repository.prepare(demoCatalogSize: demoCatalogSize, at: clock.now())
            }
        } catch {
            let unreachable: String
            switch error {
            case is DeadlineExceeded: unreachable = "did not answer within \(configuration.startupTimeout)"
            case StoreError.unreachable(let reason): unreachable = "is unreachable (\(reason))"
            default: throw error
            }
            // A pool that never gets a connection cannot say why; one connection's refusal can (a wrong database
            // name or password is the operator's to fix, not a database to wait for).
            if let url = configuration.databaseURL, let refusal = await PostgresDatabase.refusal(url: url, logger: logger) {
                throw ConfigurationError("\(storeName) refused the connection: \(refusal)")
            }
            throw ConfigurationError("\(storeName) \(unreachable): is it running and reachable?")
        }
        logger.info("store ready", metadata: ["store": "\(storeName)"])
        if let redis, let redisHealth {
            // Redis absent at start is not fatal: one warning, and the in-process cache and limits serve.
            do {
                try await redis.send("PING")
                logger.info("redis ready", metadata: ["redis": "\(redis.configuration.host):\(redis.configuration.port)"])
            } catch {
                redisHealth.failed(error)
            }
        }
    }
    return app
}

/// Keeps the Redis client until the application stops, then closes its connections and threads.
struct RedisService: Service {
    let client: RedisClient
    func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
    }
}

/// Runs the database for as long as the application runs, then closes it.
struct DatabaseService: Service {
    let database: any SQLDatabase
    func run() async throws {
        await cancelWhenGracefulShutdown { await database.run() }
        await database.close()
    }
}
