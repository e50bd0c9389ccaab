import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import NIOPosix
import PaymentGateway
import Prometheus
import ServiceLifecycle
import ShopAPI
import ShopAuth
import ShopCommandLine
import ShopDomain
import UnixSignals

@main
struct ShopAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shop-api",
        abstract: "The shop's REST API: orders, inventory and payments.",
        subcommands: [Serve.self, Token.self, User.self, PaymentSandbox.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the API (the default). Flags override environment variables, which override defaults.")

    @OptionGroup var options: ServeOptions

    func run() async throws {
        let configuration = try options.configuration(environment: ProcessInfo.processInfo.environment)
        for port in [configuration.port, configuration.metricsPort ?? 0, configuration.paymentGatewayURL == nil ? configuration.sandboxPort : 0] {
            try ListenCheck.ensureFree(host: configuration.host, port: port)
        }
        // Handlers run on the event loops rather than in Swift concurrency's own pool: otherwise every await
        // on a socket (the client's, PostgreSQL's, the exporter's) hops between the two pools' threads, and
        // those switches cost more than a cached read's own work. Both must be set before NIO first starts.
        // Should the takeover fail, handlers stay in the default pool: slower, and just as correct.
        // One descriptor per connection: the soft limit (often 1,024) would cap clients far below what epoll serves.
        DescriptorLimit.raiseToHardLimit()
        NIOSingletons.groupLoopCountSuggestion = configuration.threads ?? AppConfiguration.usableCPUs()
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        // One registry for the process: what the app records and what libraries report through swift-metrics.
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let tracing = try Telemetry.bootstrap(
            service: "shop-api", logLevel: configuration.logLevel, tracing: configuration.requestTelemetry, metrics: registry)
        let drain = Drain()
        let app = try await buildApplication(configuration, metrics: registry, drain: drain)
        // Services stop in reverse order. On SIGTERM the drain goes first (unready but serving for the
        // delay); then the server stops accepting and finishes what it accepted (all of it within
        // AppConfiguration.shutdownLimit, then cancelled), the pools close after it, and tracing, first in,
        // flushes the last spans.
        let logger = Logger(label: "shop-api")
        let drainDelay = DrainDelayService(drain: drain, delay: configuration.shutdownDelay, logger: logger)
        var group = ServiceGroupConfiguration(services: [tracing, app, drainDelay], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = AppConfiguration.shutdownLimit
        try await ServiceGroup(configuration: group).run()
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an access token for local use and for the load generator.")

    @Option(help: "The token's subject (the customer or staff id).") var sub: String
    @Option(help: "customer, warehouse or admin.") var role: String
    @Option(help: "Lifetime in seconds (default 900: the API's 15 minutes).") var ttl: Int = 900
    @OptionGroup var secret: SecretOptions

    func run() async throws {
        guard let role = Role(rawValue: role) else { throw ValidationError("--role must be customer, warehouse or admin") }
        guard !sub.isEmpty, sub.utf8.count <= 128 else { throw ValidationError("--sub must be 1-128 characters") }
        guard (1...31_536_000).contains(ttl) else { throw ValidationError("--ttl must be 1 to 31536000 seconds") }
        try await OneLineFailures.run("shop-api") {
            // The embedded mode's file is made here when missing, so a token minted before the first start works.
            guard let secret = try self.secret.resolve(environment: ProcessInfo.processInfo.environment, fallback: .createInDataDirectory) else {
                throw CommandFailure("no JWT secret: give --jwt-secret or SHOP_JWT_SECRET")
            }
            let authority = try await TokenAuthority(secret: secret)
            print(try await authority.mint(subject: sub, role: role, lifetime: TimeInterval(ttl)))
        }
    }
}

struct PaymentSandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payment-sandbox",
        abstract: "Run the sandbox payment gateway on its own (point serve's --payment-gateway-url at it).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8090
    @Option(help: "Latency added to every answer, in milliseconds.") var latencyMs = 0
    @Option(help: "Share of calls answered 503, 0 to 1.") var failureRatio = 0.0
    @Option(help: "Share of authorisations declined, 0 to 1.") var declineRatio = 0.0

    func run() async throws {
        let settings = GatewayWire.SandboxSettings(latencyMilliseconds: latencyMs, failureRatio: failureRatio, declineRatio: declineRatio)
        guard settings.isValid else { throw ValidationError("--latency-ms must be 0-60000 and the ratios 0-1") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535") }
        let tracing = try Telemetry.bootstrap(service: "payment-sandbox", logLevel: .info)
        let sandbox = SandboxGateway(settings: settings)
        let app = sandbox.application(host: host, port: port, logger: Logger(label: "payment-sandbox"))
        try await ServiceGroup(
            configuration: .init(services: [tracing, app], gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "payment-sandbox"))
        ).run()
    }
}
