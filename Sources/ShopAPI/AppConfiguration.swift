import Foundation
import Logging
import NIOCore
import PaymentGateway
import ShopContract
import ShopDomain

/// Everything `shop-api serve` can be told. Built in one place (`ServeOptions` in the executable reads flags,
/// then environment variables, then these defaults).
public struct AppConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// `postgres://…` selects PostgreSQL; nil selects the embedded SQLite file in `dataDirectory`.
    public var databaseURL: String?
    public var databasePoolSize = 20
    /// `redis://…` shares the cache and the rate limits across instances; nil keeps both in-process.
    public var redisURL: String?
    public var redisPoolSize = 8
    /// Holds the SQLite file and, in embedded mode, a generated JWT secret.
    public var dataDirectory = "./data"
    public var logLevel = Logger.Level.info
    /// HS256 secret; required with PostgreSQL, generated and kept in `dataDirectory` otherwise.
    public var jwtSecret: String?
    /// Products seeded into an empty catalog; nil means 1,000 for SQLite and none for PostgreSQL.
    public var demoCatalogSize: Int?
    /// A remote payment gateway; nil runs the sandbox in-process on `sandboxPort` (0: any free port).
    public var paymentGatewayURL: String?
    public var sandboxPort = 0
    public var sandboxSettings = GatewayWire.SandboxSettings()
    public var paymentRetry = RetryPolicy.sourceDesign
    public var paymentPollInterval = Duration.seconds(1)
    /// False leaves settling payments to other instances on the same database: this one takes orders and
    /// leaves their payments pending. Lets the order-taking tier and the settling workers scale apart.
    public var settlesPayments = true
    /// Bound on each call to the gateway; a call that takes longer counts as a retryable failure.
    public var paymentGatewayTimeout = Duration.seconds(2)
    /// How long the gateway's circuit breaker stays open before a trial call.
    public var paymentBreakerOpenDuration = Duration.seconds(10)
    /// How long start-up may wait for the database (migrations, seeding) before giving up.
    public var startupTimeout = Duration.seconds(10)
    /// Serve `/metrics` on this port (same host) instead of the public one, to keep it off the public port.
    public var metricsPort: Int?
    /// The source revision this build came from, for `shop_api_build_info` (set by whoever deploys it).
    public var buildCommit = "unknown"
    /// Request bodies above this are refused with 413.
    public var maxBodyBytes = 64 * 1024
    /// False leaves out the per-request telemetry: the request histogram, access lines, server and database
    /// spans, statement and pool metrics. Business series, `/metrics` and warnings stay. It exists as the
    /// baseline `benchmarks/telemetry-overhead` measures the telemetry's cost against.
    public var requestTelemetry = true
    /// Event-loop threads, which also run the request handlers (`main` reads this before anything starts
    /// NIO). Nil means the CPUs this process may run on (`usableCPUs()`), so `taskset` or a cpuset limits it too.
    public var threads: Int?

    public var rateLimits = RateLimitSettings()
    public var connections = ConnectionLimits()
    /// On SIGTERM, how long to stay up but unready (so a load balancer stops sending) before closing the listener.
    public var shutdownDelay = Duration.seconds(2)

    public init() {}

    public var usesPostgres: Bool { databaseURL != nil }
    public var sqlitePath: String { dataDirectory + "/shop.sqlite" }
    /// The CPUs the scheduler lets this process use (its affinity mask, which `taskset` sets): NIO's own
    /// count reads cgroup quotas and cpusets but not the mask. Glibc's `sched_getaffinity` is not visible
    /// to Swift without `_GNU_SOURCE`, so the mask is read from /proc.
    public static func usableCPUs(status: String? = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) -> Int {
        guard let line = status?.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return System.coreCount }
        let allowed = line.dropFirst("Cpus_allowed:".count).reduce(0) { count, digit in
            count + (digit.hexDigitValue?.nonzeroBitCount ?? 0)
        }
        return max(1, min(allowed, System.coreCount))
    }

    public var resolvedDemoCatalogSize: Int { demoCatalogSize ?? (usesPostgres ? 0 : DemoCatalog.defaultCount) }
}

/// How long a client may take, and how many connections the server holds at once.
public struct ConnectionLimits: Sendable, Equatable {
    /// From the first byte of a request to the end of its head (nginx's client_header_timeout, Go's
    /// ReadHeaderTimeout): a slowloris that trickles its headers is answered 408 and closed.
    public var headTimeout = Duration.seconds(10)
    /// Longest pause between two parts of a request body: a stalled upload is answered 408.
    public var bodyTimeout = Duration.seconds(10)
    /// How long a kept-alive connection may wait for its next request; longer than the 60 s idle timeout of
    /// common load balancers, so the balancer, not the server, closes first (nginx's keepalive_timeout).
    public var idleTimeout = Duration.seconds(75)
    /// Connections held at once; nil: as many as the process's file-descriptor limit leaves after
    /// `reservedDescriptors`. At the cap a new connection replaces the one that has waited or stalled
    /// longest; with every one busy it is refused.
    public var maximumConnections: Int?
    /// Connections one client address may hold; nil: a quarter of the cap. A flood from one host is refused
    /// at the door instead of churning everyone else's connections through the cap.
    public var maximumConnectionsPerAddress: Int?
    /// Descriptors kept for everything that is not a client: database and Redis pools, the gateway client,
    /// the log file, the span exporter, the metrics listener.
    public static let reservedDescriptors = 128

    public init() {}

    /// The cap in force: the configured one, never more than the descriptors allow.
    public func resolvedMaximumConnections(descriptorLimit: Int, pools: Int) -> Int {
        let fitting = max(1, descriptorLimit - Self.reservedDescriptors - pools)
        return min(maximumConnections ?? fitting, fitting)
    }
}

/// Which rate limits apply (nil: that limit is off). Defaults from the design: 1,000 requests a minute
/// per user, 2,000 per client address, and 300 order placements a minute per user.
public struct RateLimitSettings: Sendable, Equatable {
    public var perUser: RateLimit? = RateLimit(parsing: "1000/min")
    public var perAddress: RateLimit? = RateLimit(parsing: "2000/min")
    /// Tighter limits on single routes, per user (per address for anonymous callers).
    public var perRoute: [APIRoute: RateLimit] = [.placeOrder: RateLimit(parsing: "300/min")!]

    public init() {}

    public static let off: RateLimitSettings = {
        var settings = RateLimitSettings()
        (settings.perUser, settings.perAddress, settings.perRoute) = (nil, nil, [:])
        return settings
    }()
}
