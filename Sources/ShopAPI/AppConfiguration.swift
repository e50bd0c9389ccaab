import Foundation
import Logging
import NIOCore
import PaymentGateway
import ShopAuth
import ShopContract
import ShopDomain

/// Everything `shop-api serve` can be told. Built in one place (`ServeOptions` in the executable reads flags,
/// then environment variables, then these defaults).
package struct AppConfiguration: Sendable {
    package var host = "127.0.0.1"
    package var port = 8080
    /// `postgres://…` selects PostgreSQL; nil selects the embedded SQLite file in `dataDirectory`.
    package var databaseURL: String?
    package var databasePoolSize = 20
    /// `redis://…` shares the cache and the rate limits across instances; nil keeps both in-process.
    package var redisURL: String?
    package var redisPoolSize = 8
    /// Holds the SQLite file and, in embedded mode, a generated JWT secret.
    package var dataDirectory = "./data"
    package var logLevel = Logger.Level.info
    /// HS256 secret; required with PostgreSQL, generated and kept in `dataDirectory` otherwise.
    package var jwtSecret: String?
    /// Products seeded into an empty catalog; nil means 1,000 for SQLite and none for PostgreSQL.
    package var demoCatalogSize: Int?
    /// A remote payment gateway; nil runs the sandbox in-process on `sandboxPort` (0: any free port).
    package var paymentGatewayURL: String?
    package var sandboxPort = 0
    package var sandboxSettings = GatewayWire.SandboxSettings()
    package var paymentRetry = RetryPolicy.sourceDesign
    package var paymentPollInterval = Duration.seconds(1)
    /// False leaves settling payments to other instances on the same database: this one takes orders and
    /// leaves their payments pending. Lets the order-taking tier and the settling workers scale apart.
    package var settlesPayments = true
    /// Bound on each call to the gateway; a call that takes longer counts as a retryable failure.
    package var paymentGatewayTimeout = Duration.seconds(2)
    /// How long the gateway's circuit breaker stays open before a trial call.
    package var paymentBreakerOpenDuration = Duration.seconds(10)
    /// How long start-up may wait for the database (migrations, seeding) before giving up.
    package var startupTimeout = Duration.seconds(10)
    /// Serve `/metrics` on this port (same host) instead of the public one, to keep it off the public port.
    package var metricsPort: Int?
    /// The source revision this build came from, for `shop_api_build_info` (set by whoever deploys it).
    package var buildCommit = "unknown"
    /// Request bodies above this are refused with 413.
    package var maxBodyBytes = 64 * 1024
    /// False leaves out the per-request telemetry: the request histogram, access lines, server and database
    /// spans, statement and pool metrics. Business series, `/metrics` and warnings stay. It exists as the
    /// baseline `benchmarks/telemetry-overhead` measures the telemetry's cost against.
    package var requestTelemetry = true
    /// Event-loop threads, which also run the request handlers (`main` reads this before anything starts
    /// NIO). Nil means the CPUs this process may run on (`usableCPUs()`), so `taskset` or a cpuset limits it too.
    package var threads: Int?

    package var rateLimits = RateLimitSettings()
    package var accounts = AccountSettings()
    package var connections = ConnectionLimits()
    /// On SIGTERM, how long to stay up but unready (so a load balancer stops sending) before closing the listener.
    package var shutdownDelay = Duration.seconds(2)
    /// From SIGTERM, how long the delay, the drain of accepted requests and the services' stops may take in
    /// all before what is left is cancelled (the PostgreSQL pool then gets 3 s more to close).
    package static let shutdownLimit = Duration.seconds(10)

    package init() {}

    package var usesPostgres: Bool { databaseURL != nil }
    package var sqlitePath: String { dataDirectory + "/shop.sqlite" }
    /// The CPUs the scheduler lets this process use (its affinity mask, which `taskset` sets): NIO's own
    /// count reads cgroup quotas and cpusets but not the mask. Glibc's `sched_getaffinity` is not visible
    /// to Swift without `_GNU_SOURCE`, so the mask is read from /proc.
    package static func usableCPUs(status: String? = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) -> Int {
        guard let line = status?.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return System.coreCount }
        let allowed = line.dropFirst("Cpus_allowed:".count).reduce(0) { count, digit in
            count + (digit.hexDigitValue?.nonzeroBitCount ?? 0)
        }
        return max(1, min(allowed, System.coreCount))
    }

    package var resolvedDemoCatalogSize: Int { demoCatalogSize ?? (usesPostgres ? 0 : DemoCatalog.defaultCount) }
}

/// How long a client may take, and how many connections the server holds at once.
package struct ConnectionLimits: Sendable, Equatable {
    /// From the first byte of a request to the end of its head (nginx's client_header_timeout, Go's
    /// ReadHeaderTimeout): a slowloris that trickles its headers is answered 408 and closed.
    package var headTimeout = Duration.seconds(10)
    /// Longest pause between two parts of a request body: a stalled upload is answered 408.
    package var bodyTimeout = Duration.seconds(10)
    /// How long a kept-alive connection may wait for its next request; longer than the 60 s idle timeout of
    /// common load balancers, so the balancer, not the server, closes first (nginx's keepalive_timeout).
    package var idleTimeout = Duration.seconds(75)
    /// Connections held at once; nil: as many as the process's file-descriptor limit leaves after
    /// `reservedDescriptors`. At the cap a new connection replaces the one that has waited or stalled
    /// longest; with every one busy it is refused.
    package var maximumConnections: Int?
    /// Connections one client address may hold; nil: a quarter of the cap. A flood from one host is refused
    /// at the door instead of churning everyone else's connections through the cap.
    package var maximumConnectionsPerAddress: Int?
    /// Descriptors kept for everything that is not a client: database and Redis pools, the gateway client,
    /// the log file, the span exporter, the metrics listener.
    package static let reservedDescriptors = 128

    package init() {}

    /// The cap in force: the configured one, never more than the descriptors allow.
    package func resolvedMaximumConnections(descriptorLimit: Int, pools: Int) -> Int {
        let fitting = max(1, descriptorLimit - Self.reservedDescriptors - pools)
        return min(maximumConnections ?? fitting, fitting)
    }
}

/// Which rate limits apply (nil: that limit is off). Defaults from the design: 1,000 requests a minute
/// per user, 2,000 per client address, 300 order placements a minute per user, and 5 failed sign-ins a
/// minute per account and per address; and 10 registrations a minute per address, each a bcrypt hash
/// that a flood of them would spend the CPU on.
package struct RateLimitSettings: Sendable, Equatable {
    package var perUser: RateLimit? = RateLimit(parsing: "1000/min")
    package var perAddress: RateLimit? = RateLimit(parsing: "2000/min")
    /// Tighter limits on single routes, per user (per address for anonymous callers).
    package var perRoute: [APIRoute: RateLimit] = [.placeOrder: RateLimit(parsing: "300/min")!, .register: RateLimit(parsing: "10/min")!]
    /// Failed sign-ins, per account and per client address alike (BRIEF §2: sign-in 5 a minute).
    package var signInFailures: RateLimit? = RateLimit(parsing: "5/min")

    package init() {}

    package static let off: RateLimitSettings = {
        var settings = RateLimitSettings()
        (settings.perUser, settings.perAddress, settings.perRoute, settings.signInFailures) = (nil, nil, [:], nil)
        return settings
    }()
}

/// How accounts' passwords are checked and hashed.
package struct AccountSettings: Sendable, Equatable {
    /// bcrypt's cost (log2 rounds).
    package var bcryptCost = PasswordHasher.defaultCost
    package var minimumPasswordLength = PasswordPolicy.defaultMinimumLength

    package init() {}
}
