import Foundation
import Hummingbird
import Logging
import PaymentGateway
import ServiceLifecycle
import ShopDomain
import ShopStore

/// Builds the API server from `configuration`: store, migrations, payment gateway and processor, routes.
/// Logging, metrics and tracing backends are bootstrapped by `main`, never here: tests build many apps.
public func buildApplication(_ configuration: AppConfiguration, clock: any ShopClock = SystemClock()) async throws -> some ApplicationProtocol {
    let logger = {
        var logger = Logger(label: "shop-api")
        logger.logLevel = configuration.logLevel
        return logger
    }()
    var services: [any Service] = []

    let database: any SQLDatabase
    let secret: String
    if let url = configuration.databaseURL {
        guard let configured = configuration.jwtSecret else {
            throw ConfigurationProblem("with PostgreSQL a JWT secret is required: pass --jwt-secret or set SHOP_JWT_SECRET")
        }
        secret = configured
        let postgres = PostgresDatabase(
            configuration: try PostgresDatabase.configuration(url: url, maximumConnections: configuration.databasePoolSize), logger: logger)
        services.append(PostgresClientService(database: postgres))
        database = postgres
    } else {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        if let configured = configuration.jwtSecret {
            secret = configured
        } else {
            let (generated, created) = try EmbeddedSecret.loadOrCreate(dataDirectory: configuration.dataDirectory)
            if created { logger.notice("generated a JWT secret for the embedded mode", metadata: ["file": "\(configuration.dataDirectory)/jwt-secret"]) }
            secret = generated
        }
        database = try await SQLiteDatabase.open(path: configuration.sqlitePath, logger: logger)
    }
    let tokens = try await TokenAuthority(secret: secret)
    let repository = SQLShopRepository(database: database)

    let gatewayAddress = GatewayAddress(url: configuration.paymentGatewayURL)
    if configuration.paymentGatewayURL == nil {
        let sandbox = SandboxGateway(settings: configuration.sandboxSettings)
        services.append(sandbox.application(host: configuration.host, port: configuration.sandboxPort, logger: logger) { port in
            await gatewayAddress.set("http://\(configuration.host):\(port)")
            logger.info("payment sandbox listening", metadata: ["port": "\(port)"])
        })
    }
    let gateway = PaymentGatewayClient(address: gatewayAddress, settings: .init(), clock: clock)
    let processor = PaymentProcessor(
        repository: repository, gateway: gateway, clock: clock,
        settings: .init(retryPolicy: configuration.paymentRetry, pollInterval: configuration.paymentPollInterval), logger: logger)
    services.append(processor)

    let router = Router(context: ShopRequestContext.self)
    router.add(middleware: ProblemMiddleware(bodyLimit: configuration.maxBodyBytes))
    router.add(middleware: AuthMiddleware(tokens: tokens))
    router.addRoutes(HealthController(repository: repository, openAPIDocument: try HealthController.loadOpenAPIDocument()).routes)
    router.addRoutes(ProductsController(repository: repository).routes)
    router.addRoutes(InventoryController(repository: repository, clock: clock).routes)
    router.addRoutes(OrdersController(repository: repository, clock: clock, payments: processor).routes)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "shop-api"),
        services: services,
        logger: logger)
    let demoCatalogSize = configuration.resolvedDemoCatalogSize
    app.beforeServerStarts {
        try await repository.prepare(demoCatalogSize: demoCatalogSize, at: clock.now())
        logger.info("store ready", metadata: ["store": "\(configuration.usesPostgres ? "postgres" : configuration.sqlitePath)"])
    }
    return app
}

/// Runs the PostgreSQL pool for as long as the application runs.
struct PostgresClientService: Service {
    let database: PostgresDatabase
    func run() async throws {
        await cancelWhenGracefulShutdown { await database.run() }
    }
}
