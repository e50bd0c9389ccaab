import ArgumentParser
import Foundation
import HTTPTypes
import Logging
import ShopAPI
import ShopAuth
import ShopContract
import ShopDomain

/// The server's flags. Each falls back to the environment variable named in its help, then to the default:
/// the one place where configuration is read.
struct ServeOptions: ParsableArguments {
    @Option(help: "Address to listen on (env SHOP_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (env SHOP_PORT, default 8080).") var port: Int?
    @Option(help: "postgres://user:password@host:port/db selects PostgreSQL (env DATABASE_URL; default: embedded SQLite).")
    var databaseURL: String?
    @Option(help: "PostgreSQL pool size (env SHOP_DB_POOL_SIZE, default 20).") var databasePoolSize: Int?
    @Option(help: "redis://[:password@]host[:port][/db] shares the cache and rate limits (env REDIS_URL; default: in-process).")
    var redisURL: String?
    @Option(help: "Redis connections and command threads (env SHOP_REDIS_POOL_SIZE, default 8).") var redisPoolSize: Int?
    @Option(help: "Directory for the SQLite file and the embedded JWT secret (env SHOP_DATA_DIR, default ./data).")
    var dataDir: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical (env LOG_LEVEL, default info).")
    var logLevel: String?
    @Option(help: "HS256 secret, at least 32 bytes (env SHOP_JWT_SECRET; required with PostgreSQL).") var jwtSecret: String?
    @Option(help: "Products to seed into an empty catalog (env SHOP_DEMO_CATALOG; default 1000 on SQLite, 0 on PostgreSQL).")
    var demoCatalog: Int?
    @Option(help: "Base URL of a payment gateway (env PAYMENT_GATEWAY_URL; default: run the sandbox in-process).")
    var paymentGatewayURL: String?
    @Option(help: "Port of the in-process sandbox gateway (env SHOP_SANDBOX_PORT, default 0: any free port).")
    var sandboxPort: Int?
    @Option(help: "Seconds before the first payment retry; each next one waits 5 times longer (env SHOP_PAYMENT_RETRY_SECONDS, default 5).")
    var paymentRetrySeconds: Double?
    @Option(help: "Payment attempts before parking for review (env SHOP_PAYMENT_MAX_ATTEMPTS, default 4).")
    var paymentMaxAttempts: Int?
    @Option(help: "off leaves payments pending for another instance on the same database to settle (env SHOP_PAYMENT_SETTLEMENT, default on).")
    var paymentSettlement: String?
    @Option(help: "Seconds the gateway's circuit breaker stays open before a trial call (env SHOP_PAYMENT_BREAKER_OPEN_SECONDS, default 10).")
    var paymentBreakerOpenSeconds: Double?
    @Option(help: "Largest request body in bytes (env SHOP_MAX_BODY_BYTES, default 65536).") var maxBodyBytes: Int?
    @Option(help: "Serve /metrics on this port instead of the public one (env SHOP_METRICS_PORT).") var metricsPort: Int?
    @Option(help: "Seconds to stay up but unready after SIGTERM before closing the listener (env SHOP_SHUTDOWN_DELAY, default 2).")
    var shutdownDelay: Double?
    @Option(help: "off turns every rate limit off, e.g. for a load test from one address (env SHOP_RATE_LIMITS, default on).")
    var rateLimits: String?
    @Option(help: "Requests per user, e.g. 1000/min, 20/s, 5000/h, or off (env SHOP_RATE_LIMIT_USER, default 1000/min).")
    var rateLimitUser: String?
    @Option(help: "Requests per client address, or off (env SHOP_RATE_LIMIT_IP, default 2000/min).") var rateLimitIp: String?
    @Option(help: "Failed sign-ins per account and per client address, or off (env SHOP_SIGN_IN_LIMIT, default 5/min).")
    var signInLimit: String?
    @Option(help: "bcrypt cost of new passwords, 4-16: each step doubles the work (env SHOP_BCRYPT_COST, default 11).")
    var bcryptCost: Int?
    @Option(help: "Shortest password an account may have, 8-64 characters (env SHOP_MIN_PASSWORD_LENGTH, default 12).")
    var minPasswordLength: Int?
    @Option(
        help:
            "A tighter limit on one route, 'POST /v1/orders=300/min' or '...=off'; repeatable (env SHOP_RATE_LIMIT_ROUTES, comma-separated; default POST /v1/orders=300/min)."
    )
    var rateLimitRoute: [String] = []
    @Option(help: "off leaves out request metrics, access logs and spans, a baseline for benchmarks (env SHOP_TELEMETRY, default on).")
    var telemetry: String?

    @Option(help: "Seconds a client may take to send a request's head, from its first byte (env SHOP_REQUEST_HEAD_TIMEOUT, default 10).")
    var requestHeadTimeout: Double?
    @Option(help: "Longest pause in seconds between parts of a request body (env SHOP_REQUEST_BODY_TIMEOUT, default 10).")
    var requestBodyTimeout: Double?
    @Option(help: "Seconds a kept-alive connection may wait for its next request (env SHOP_IDLE_TIMEOUT, default 75).")
    var idleTimeout: Double?
    @Option(help: "Client connections held at once (env SHOP_MAX_CONNECTIONS; default and ceiling: what the descriptor limit allows).")
    var maxConnections: Int?
    @Option(help: "Connections one client address may hold (env SHOP_MAX_CONNECTIONS_PER_ADDRESS; default: a quarter of the cap).")
    var maxConnectionsPerAddress: Int?

    @Option(help: "Event-loop threads, which also run the handlers (env SHOP_THREADS, default: the CPUs this process may use).")
    var threads: Int?

    func configuration(environment: [String: String]) throws -> AppConfiguration {
        func value<T>(_ flag: T?, _ name: String, _ parse: (String) -> T?) throws -> T? {
            if let flag { return flag }
            guard let raw = environment[name], !raw.isEmpty else { return nil }
            guard let parsed = parse(raw) else { throw ValidationError("\(name)=\(raw) is not valid") }
            return parsed
        }
        var configuration = AppConfiguration()
        configuration.host = try value(host, "SHOP_HOST") { $0 } ?? configuration.host
        configuration.port = try value(port, "SHOP_PORT") { Int($0) } ?? configuration.port
        configuration.databaseURL = try value(databaseURL, "DATABASE_URL") { $0 }
        configuration.databasePoolSize = try value(databasePoolSize, "SHOP_DB_POOL_SIZE") { Int($0) } ?? configuration.databasePoolSize
        configuration.redisURL = try value(redisURL, "REDIS_URL") { $0 }
        configuration.redisPoolSize = try value(redisPoolSize, "SHOP_REDIS_POOL_SIZE") { Int($0) } ?? configuration.redisPoolSize
        configuration.dataDirectory = try value(dataDir, "SHOP_DATA_DIR") { $0 } ?? configuration.dataDirectory
        let level = try value(logLevel, "LOG_LEVEL") { $0 } ?? "info"
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            throw ValidationError("log level \(level) is not one of trace, debug, info, notice, warning, error, critical")
        }
        configuration.logLevel = parsedLevel
        configuration.jwtSecret = try value(jwtSecret, "SHOP_JWT_SECRET") { $0 }
        configuration.demoCatalogSize = try value(demoCatalog, "SHOP_DEMO_CATALOG") { Int($0) }
        configuration.paymentGatewayURL = try value(paymentGatewayURL, "PAYMENT_GATEWAY_URL") { $0 }
        configuration.sandboxPort = try value(sandboxPort, "SHOP_SANDBOX_PORT") { Int($0) } ?? configuration.sandboxPort
        configuration.maxBodyBytes = try value(maxBodyBytes, "SHOP_MAX_BODY_BYTES") { Int($0) } ?? configuration.maxBodyBytes
        configuration.metricsPort = try value(metricsPort, "SHOP_METRICS_PORT") { Int($0) }
        if let metricsPort = configuration.metricsPort, !(1...65535).contains(metricsPort) || metricsPort == configuration.port {
            throw ValidationError("the metrics port must be 1-65535 and differ from the API's port")
        }
        func rate(_ text: String, _ what: String) throws -> RateLimit? {
            if text == "off" { return nil }
            guard let rate = RateLimit(parsing: text) else {
                throw ValidationError("\(what) must look like 1000/min, 20/s or 5000/h, or be off; not \(text)")
            }
            return rate
        }
        if let text = try value(rateLimitUser, "SHOP_RATE_LIMIT_USER", { $0 }) {
            configuration.rateLimits.perUser = try rate(text, "the per-user rate limit")
        }
        if let text = try value(rateLimitIp, "SHOP_RATE_LIMIT_IP", { $0 }) {
            configuration.rateLimits.perAddress = try rate(text, "the per-address rate limit")
        }
        if let text = try value(signInLimit, "SHOP_SIGN_IN_LIMIT", { $0 }) {
            configuration.rateLimits.signInFailures = try rate(text, "the sign-in limit")
        }
        let cost = try value(bcryptCost, "SHOP_BCRYPT_COST") { Int($0) } ?? Int(configuration.accounts.bcryptCost)
        guard let bcrypt = UInt8(exactly: cost), PasswordHasher.costs.contains(bcrypt) else { throw ValidationError("the bcrypt cost must be 4-16") }
        configuration.accounts.bcryptCost = bcrypt
        configuration.accounts.minimumPasswordLength =
            try value(minPasswordLength, "SHOP_MIN_PASSWORD_LENGTH") { Int($0) } ?? configuration.accounts.minimumPasswordLength
        guard (8...64).contains(configuration.accounts.minimumPasswordLength) else {
            throw ValidationError("the minimum password length must be 8-64 characters")
        }
        let routeLimits =
            rateLimitRoute.isEmpty
            ? (environment["SHOP_RATE_LIMIT_ROUTES"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            : rateLimitRoute
        for entry in routeLimits where !entry.isEmpty {
            guard let equals = entry.lastIndex(of: "="),
                let route = APIRoute.allCases.first(where: { "\($0.method.rawValue) \($0.template)" == entry[..<equals] })
            else { throw ValidationError("a route limit must look like 'POST /v1/orders=300/min' with a route the API serves; not \(entry)") }
            configuration.rateLimits.perRoute[route] = try rate(
                String(entry[entry.index(after: equals)...]), "the limit of \(route.method.rawValue) \(route.template)")
        }
        let delay = try value(shutdownDelay, "SHOP_SHUTDOWN_DELAY") { Double($0) } ?? 2
        guard (0...60).contains(delay) else { throw ValidationError("the shutdown delay must be 0-60 seconds") }
        configuration.shutdownDelay = .milliseconds(Int64(delay * 1000))
        let limitsSwitch = try value(rateLimits, "SHOP_RATE_LIMITS") { $0 } ?? "on"
        guard limitsSwitch == "on" || limitsSwitch == "off" else { throw ValidationError("rate limits must be on or off, not \(limitsSwitch)") }
        if limitsSwitch == "off" { configuration.rateLimits = .off }
        let telemetry = try value(telemetry, "SHOP_TELEMETRY") { $0 } ?? "on"
        guard telemetry == "on" || telemetry == "off" else { throw ValidationError("telemetry must be on or off, not \(telemetry)") }
        configuration.requestTelemetry = telemetry == "on"
        let settlement = try value(paymentSettlement, "SHOP_PAYMENT_SETTLEMENT") { $0 } ?? "on"
        guard settlement == "on" || settlement == "off" else { throw ValidationError("payment settlement must be on or off, not \(settlement)") }
        configuration.settlesPayments = settlement == "on"
        configuration.buildCommit = environment["SHOP_BUILD_COMMIT"].flatMap { $0.isEmpty ? nil : $0 } ?? configuration.buildCommit
        let retrySeconds = try value(paymentRetrySeconds, "SHOP_PAYMENT_RETRY_SECONDS") { Double($0) } ?? 5
        let attempts = try value(paymentMaxAttempts, "SHOP_PAYMENT_MAX_ATTEMPTS") { Int($0) } ?? 4
        let breakerOpen = try value(paymentBreakerOpenSeconds, "SHOP_PAYMENT_BREAKER_OPEN_SECONDS") { Double($0) } ?? 10

        guard (0...65535).contains(configuration.port), (0...65535).contains(configuration.sandboxPort) else {
            throw ValidationError("ports must be 0-65535")
        }
        func seconds(_ flag: Double?, _ name: String, default fallback: Duration) throws -> Duration {
            guard let seconds = try value(flag, name, { Double($0) }) else { return fallback }
            guard seconds.isFinite, (0.1...3600).contains(seconds) else { throw ValidationError("\(name) must be 0.1-3600 seconds, not \(seconds)") }
            return .milliseconds(Int64(seconds * 1000))
        }
        configuration.connections.headTimeout = try seconds(
            requestHeadTimeout, "SHOP_REQUEST_HEAD_TIMEOUT", default: configuration.connections.headTimeout)
        configuration.connections.bodyTimeout = try seconds(
            requestBodyTimeout, "SHOP_REQUEST_BODY_TIMEOUT", default: configuration.connections.bodyTimeout)
        configuration.connections.idleTimeout = try seconds(idleTimeout, "SHOP_IDLE_TIMEOUT", default: configuration.connections.idleTimeout)
        configuration.connections.maximumConnections = try value(maxConnections, "SHOP_MAX_CONNECTIONS") { Int($0) }
        configuration.connections.maximumConnectionsPerAddress = try value(maxConnectionsPerAddress, "SHOP_MAX_CONNECTIONS_PER_ADDRESS") { Int($0) }
        guard (1...10_000_000).contains(configuration.connections.maximumConnections ?? 1),
            (1...10_000_000).contains(configuration.connections.maximumConnectionsPerAddress ?? 1)
        else { throw ValidationError("connection caps must be 1-10000000") }
        configuration.threads = try value(threads, "SHOP_THREADS") { Int($0) }
        guard (1...256).contains(configuration.threads ?? 1) else { throw ValidationError("threads must be 1-256") }
        guard (1...1000).contains(configuration.databasePoolSize) else { throw ValidationError("the pool size must be 1-1000") }
        guard (1...256).contains(configuration.redisPoolSize) else { throw ValidationError("the Redis pool size must be 1-256") }
        guard (0...1_000_000).contains(configuration.demoCatalogSize ?? 0) else {
            throw ValidationError("the demo catalog must be 0-1000000 products")
        }
        guard (1024...(64 << 20)).contains(configuration.maxBodyBytes) else { throw ValidationError("the body limit must be 1 KiB to 64 MiB") }
        guard (0.001...3600).contains(retrySeconds), (1...20).contains(attempts) else {
            throw ValidationError("the payment retry must be 0.001-3600 seconds and 1-20 attempts")
        }
        guard (0.001...3600).contains(breakerOpen) else { throw ValidationError("the breaker's open time must be 0.001-3600 seconds") }
        configuration.paymentBreakerOpenDuration = .milliseconds(Int64(breakerOpen * 1000))
        configuration.paymentRetry = RetryPolicy(
            maxAttempts: attempts, initialDelayMilliseconds: Int64(retrySeconds * 1000), multiplier: 5, maxDelayMilliseconds: 3_600_000)
        return configuration
    }
}
