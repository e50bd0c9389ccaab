import DatabaseObservation
import Foundation
import Logging
import PaymentGateway
import Prometheus
import ServiceLifecycle
import ShopAuth
import ShopCache
import ShopDomain
import ShopMetrics
import ShopRedis
import ShopStore
import ShopSupport

/// Everything the routes use, made from the configuration: the store (SQLite or PostgreSQL) behind its
/// cache, Redis when configured, the token authority, the payment gateway and processor, the fault
/// switchboard and the metrics; and the services that must run beside the server, in start order.
struct ShopServices {
    let repository: CachingShopRepository
    let redis: RedisClient?
    let redisHealth: DependencyHealth?
    let limiter: RateLimiter
    let tokens: TokenAuthority
    let accounts: AccountService
    let processor: PaymentProcessor
    let faults: FaultSwitchboard
    let metrics: ShopMetrics
    /// Request metrics and their exemplars; nil with request telemetry off.
    let requestMetrics: HTTPServerMetrics?
    /// Started in this order, stopped in reverse: the database first in, so last out.
    let services: [any Service]
    /// Connections the pools hold, which the client connection cap leaves room for.
    let pooledConnections: Int
    /// Where the store is, for the start-up lines.
    let storeName: String

    init(
        _ configuration: AppConfiguration, clock: any ShopClock, registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
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
        tokens = try await Self.tokenAuthority(configuration, clock: clock, logger: logger)

        let metrics = ShopMetrics(registry: registry)
        self.metrics = metrics
        var services: [any Service] = []
        let database = try await Self.database(configuration, postgres: postgresConfiguration, metrics: metrics, logger: logger)
        services.append(DatabaseService(database: database))
        faults = FaultSwitchboard()
        redis = redisConfiguration.map { redisConfiguration in
            RedisClient(
                configuration: redisConfiguration,
                observer: !configuration.requestTelemetry
                    ? nil
                    : DatabaseObserver(system: "redis") {
                        metrics.databaseStatement(system: "redis", operation: $0, seconds: $1, failed: $2)
                    })
        }
        redisHealth = redis.map { _ in DependencyHealth(name: "redis", logger: logger, metrics: metrics) }
        if let redis { services.append(RedisService(client: redis)) }
        let cache = FallbackCache(redis: redis, health: redisHealth, metrics: metrics, clock: clock)
        let store = SQLShopRepository(database: FaultInjectingDatabase(database, faults: faults))
        repository = CachingShopRepository(store, cache: cache)
        limiter = RateLimiter(redis: redis, health: redisHealth, metrics: metrics, clock: clock)
        accounts = AccountService(
            registration: Self.registration(configuration, store: store, metrics: metrics, clock: clock), tokens: tokens,
            throttle: SignInThrottle(limiter: limiter, limit: configuration.rateLimits.signInFailures))

        let gatewayAddress = GatewayAddress(url: configuration.paymentGatewayURL)
        if configuration.paymentGatewayURL == nil {
            let sandbox = SandboxGateway(settings: configuration.sandboxSettings)
            services.append(
                sandbox.application(host: configuration.host, port: configuration.sandboxPort, logger: logger) { port in
                    await gatewayAddress.set("http://\(configuration.host):\(port)")
                    logger.info("payment sandbox listening", metadata: ["port": "\(port)"])
                })
        }
        let gateway = PaymentGatewayClient(
            address: gatewayAddress,
            settings: .init(timeout: configuration.paymentGatewayTimeout, breakerOpenDuration: configuration.paymentBreakerOpenDuration),
            clock: clock, metrics: metrics, faults: faults)
        processor = PaymentProcessor(
            repository: repository, gateway: gateway, clock: clock,
            settings: .init(retryPolicy: configuration.paymentRetry, pollInterval: configuration.paymentPollInterval),
            metrics: metrics, logger: logger)
        if configuration.settlesPayments {
            services.append(processor)
        } else {
            logger.notice("payment settlement is off: payments stay pending until an instance that settles takes them")
        }
        requestMetrics = configuration.requestTelemetry ? HTTPServerMetrics(registry: registry) : nil
        self.services = services
        pooledConnections =
            (postgresConfiguration == nil ? 0 : configuration.databasePoolSize) + (redisConfiguration == nil ? 0 : configuration.redisPoolSize)
        storeName = postgresConfiguration.map(PostgresDatabase.name(of:)) ?? configuration.sqlitePath
    }

    /// The authority minting and verifying tokens with the one secret `JWTSecret` finds. The flag and
    /// SHOP_JWT_SECRET are already in the configuration: only the data directory is left.
    private static func tokenAuthority(_ configuration: AppConfiguration, clock: any ShopClock, logger: Logger) async throws -> TokenAuthority {
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
        return try await TokenAuthority(secret: resolved.secret, clock: clock)
    }

    static func registration(
        _ configuration: AppConfiguration, store: any AccountRepository, metrics: ShopMetrics, clock: any ShopClock
    )
        -> AccountRegistration
    {
        AccountRegistration(
            accounts: store, hasher: PasswordHasher(cost: configuration.accounts.bcryptCost),
            policy: PasswordPolicy(minimumLength: configuration.accounts.minimumPasswordLength), metrics: metrics, clock: clock)
    }

    /// PostgreSQL when configured, else the SQLite file in the data directory; observed unless telemetry is off.
    static func database(
        _ configuration: AppConfiguration, postgres: PostgresDatabase.Configuration?, metrics: ShopMetrics, logger: Logger
    ) async throws -> any SQLDatabase {
        let system = postgres == nil ? "sqlite" : "postgresql"
        let observer =
            !configuration.requestTelemetry
            ? nil
            : DatabaseObserver(
                system: system,
                statement: { metrics.databaseStatement(system: system, operation: $0, seconds: $1, failed: $2) },
                lease: { event in
                    switch event {
                    case .requested: metrics.databaseLeaseRequested()
                    case .acquired(let waited): metrics.databaseLeaseAcquired(waitedSeconds: waited)
                    case .released: metrics.databaseLeaseReleased()
                    }
                })
        if let postgres {
            metrics.databasePool(maximumConnections: configuration.databasePoolSize)
            return PostgresDatabase(configuration: postgres, logger: logger, observer: observer)
        }
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        return try await SQLiteDatabase.open(path: configuration.sqlitePath, logger: logger, observer: observer)
    }

    /// Before the server listens: the store migrated and seeded within the start-up timeout, or one line
    /// saying why not; then Redis asked once (its absence is a warning, not a failure).
    func prepare(_ configuration: AppConfiguration, clock: any ShopClock, logger: Logger) async throws {
        do {
            try await withDeadline(configuration.startupTimeout) { [repository] in
                try await repository.prepare(demoCatalogSize: configuration.resolvedDemoCatalogSize, at: clock.now())
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
            do {
                try await redis.send("PING")
                logger.info("redis ready", metadata: ["redis": "\(redis.configuration.host):\(redis.configuration.port)"])
            } catch {
                redisHealth.failed(error)
            }
        }
    }
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
