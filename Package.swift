// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "shop",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "shop-api", targets: ["shop-api"]),
        .executable(name: "shop-load", targets: ["shop-load"]),
        .executable(name: "shop-slo", targets: ["shop-slo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: leaving out gRPC keeps the build minutes shorter.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        // Passwords: bcrypt, as Hummingbird's own authentication uses it.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // SHA-256 of refresh tokens and sign-in keys (jwt-kit already builds it).
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        // What every module may need and no concern owns: durations as text, a file field's error, the clock
        // and timestamps, a deadline, an expiring cache. No I/O.
        .target(name: "ShopSupport"),
        // The shop's rules: money, stock, orders, payments' state. No I/O.
        .target(name: "ShopDomain", dependencies: ["ShopSupport"]),
        // The API's contract with its clients: the route table (paths, methods, roles), the request and
        // response bodies, the problem types and every metric's name. Used by the server, the load generator
        // and the SLO tooling. No I/O.
        .target(
            name: "ShopContract",
            dependencies: ["ShopDomain", "ShopSupport", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        // What a database client tells about its work (statements, leases), for metrics and spans: one
        // shape for SQL and Redis.
        .target(
            name: "DatabaseObservation",
            dependencies: ["ShopSupport", .product(name: "Tracing", package: "swift-distributed-tracing")]
        ),
        // Access tokens: the claims and the HS256 keys that mint and verify them (the API, shop-load).
        .target(
            name: "ShopAuth",
            dependencies: [
                "ShopDomain",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                // bcrypt runs on NIO's blocking-work pool, never on an event loop.
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Resources/common-passwords.txt"), .copy("Resources/common-passwords.LICENSE")]
        ),
        // Traffic profiles and their maths: rate at a profile time, its integral, the open-loop arrival
        // schedule, the endpoint mix, thresholds. No I/O (it parses YAML it is given).
        .target(
            name: "LoadProfile",
            dependencies: ["ShopDomain", "ShopSupport", "ShopContract", .product(name: "Yams", package: "Yams")]
        ),
        // SLO maths: error budgets, burn rates, the multi-window alert conditions scaled to a period, and
        // the rolling windows they are evaluated over. No I/O.
        .target(name: "SLOMath"),
        // SLO specs (native and OpenSLO) and what they compile to: Prometheus rules and their promtool
        // tests. No I/O (it parses and writes text it is given).
        .target(
            name: "SLOSpec",
            dependencies: ["SLOMath", "ShopSupport", "ShopContract", .product(name: "Yams", package: "Yams")]
        ),
        // Every metric's handle, in the application's own Prometheus registry (the names are the contract's).
        .target(
            name: "ShopMetrics",
            dependencies: ["ShopContract", .product(name: "Prometheus", package: "swift-prometheus")]
        ),
        // Structured JSON log lines (one per event, buffered writes) for every program's swift-log.
        .target(
            name: "JSONLogging",
            dependencies: ["ShopSupport", .product(name: "Logging", package: "swift-log")]
        ),
        // SQL adapters (SQLite default, PostgreSQL for production) behind one repository protocol.
        .target(
            name: "ShopStore",
            dependencies: [
                "ShopDomain",
                "ShopSupport",
                "DatabaseObservation",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // Only for the type of the pool's own errors (circuit breaker tripped, shut down), which
                // PostgresClient lets through unwrapped.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // For the TLS context of the one connection that asks PostgreSQL why it refuses (sslmode).
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Debian's hiredis (apt-get install libhiredis-dev), found in /usr/include; its pkg-config file only
        // adds a flag SwiftPM refuses.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        // A Redis client on hiredis: pooled connections, commands on a thread pool of their own, pipelining.
        .target(
            name: "ShopRedis",
            dependencies: [
                "CHiredis",
                "DatabaseObservation",
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Cache-aside and shared rate limits on Redis, falling back to in-process ones while Redis is away.
        .target(
            name: "ShopCache",
            dependencies: [
                "ShopDomain",
                "ShopSupport",
                "ShopStore",
                "ShopRedis",
                "ShopMetrics",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The payment gateway over HTTP: client with retries and circuit breaker, and the sandbox server.
        .target(
            name: "PaymentGateway",
            dependencies: [
                "ShopDomain",
                "ShopSupport",
                "ShopMetrics",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The HTTP application: routes, auth, problem+json.
        .target(
            name: "ShopAPI",
            dependencies: [
                "ShopDomain",
                "ShopSupport",
                "ShopContract",
                "DatabaseObservation",
                "ShopStore",
                "ShopMetrics",
                "ShopRedis",
                "ShopCache",
                "PaymentGateway",
                "ShopAuth",
                "JSONLogging",
                "ShopTracing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "NIOCore", package: "swift-nio"),
                // The HTTP/1 channel and the decoder's parts and errors, for the connection layer in front of Hummingbird.
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            resources: [.copy("Resources/openapi.yaml")]
        ),
        // W3C trace context, sampled spans recorded and exported over OTLP/HTTP protobuf (a hand-written
        // tracer: swift-otel's costs a read a third of its CPU; ShopTracer's comment has the figures).
        .target(
            name: "ShopTracing",
            dependencies: [
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        // What the three programs share on the command line: one-line failures and their exit statuses,
        // `--target`, and the JWT secret's flags read in one order.
        .target(
            name: "ShopCommandLine",
            dependencies: ["ShopAuth", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "shop-api",
            dependencies: [
                "ShopAPI",
                "ShopAuth",
                "ShopCommandLine",
                "ShopContract",
                "JSONLogging",
                "PaymentGateway",
                "ShopDomain",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                "ShopTracing",
                "ShopMetrics",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // epoll, eventfd and TCP options for the load generator's socket loop (Linux).
        .systemLibrary(name: "CSocketLoop"),
        // A load run's result: its schema (HDR histograms per window and endpoint), merging shards,
        // thresholds' verdicts, the summary table, the HTML report and the file. Read by shop-slo too.
        .target(
            name: "LoadReport",
            dependencies: [
                "LoadProfile",
                "ShopDomain",
                "ShopSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The load generator's engine: open-loop workers, each on a socket loop of its own with keep-alive
        // connections, recording into the result.
        .target(
            name: "ShopLoad",
            dependencies: [
                "CSocketLoop",
                "LoadProfile",
                "LoadReport",
                "ShopContract",
                "ShopDomain",
                "ShopSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                // For the fault schedule's few calls to the switchboard.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // `--metrics-port`: the live series and the server for them.
                "ShopMetrics",
                // A request's `traceparent`.
                "ShopTracing",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "shop-load",
            dependencies: [
                "ShopLoad",
                "LoadReport",
                "ShopCommandLine",
                "ShopSupport",
                "LoadProfile",
                "ShopAuth",
                "SLOSpec",
                "SLOAdapters",
                "SLOMath",
                "ShopGameDay",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Grafana dashboards as code: the service, its SLOs (from the specs), the business, load tests.
        .target(name: "ShopDashboards", dependencies: ["SLOSpec", "ShopSupport", "ShopContract", "SLOMath"]),
        // shop-slo's adapters: Prometheus's query API, a shop-load result as an SLI timeline, Alertmanager's
        // v2 API, and the burn-rate alerter that joins them.
        .target(
            name: "SLOAdapters",
            dependencies: [
                "SLOSpec",
                "SLOMath",
                "ShopDomain",
                "ShopSupport",
                "ShopContract",
                "ShopMetrics",
                "LoadReport",
                "LoadProfile",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                // The alerter's own /metrics and /healthz.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // A game day's orchestration: the replay, the service's counters on the profile's clock, the verdict
        // and Prometheus's rule engine on the same data.
        .target(
            name: "ShopGameDay",
            dependencies: [
                "ShopLoad", "LoadReport", "LoadProfile", "SLOSpec", "SLOMath", "SLOAdapters", "ShopAuth", "ShopSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                "ShopDomain",
            ]
        ),
        .executableTarget(
            name: "shop-slo",
            dependencies: [
                "SLOSpec",
                "SLOAdapters",
                "ShopDashboards",
                "ShopGameDay",
                "ShopCommandLine",
                "ShopSupport",
                "LoadReport",
                "ShopLoad",
                "LoadProfile",
                .product(name: "NIOCore", package: "swift-nio"),
                "JSONLogging",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Real databases for tests: a temporary SQLite file, or a fresh database on a PostgreSQL server.
        .target(
            name: "ShopTestSupport",
            dependencies: [
                "ShopStore",
                "ShopSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                // The OTLP sink's client.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "ShopDomain",
            ],
            path: "Tests/Support"
        ),
        // Live shop-api servers for tests, in-process (`TestApp`) or as the real executable (`ShopAPIProcess`).
        .target(
            name: "ShopAPITestSupport",
            dependencies: [
                "ShopAPI", "ShopDomain", "PaymentGateway", "ShopSupport", "ShopTestSupport", "JSONLogging",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/APISupport"
        ),
        .testTarget(name: "ShopDomainTests", dependencies: ["ShopDomain", "ShopSupport"]),
        .testTarget(name: "ShopSupportTests", dependencies: ["ShopSupport", "ShopTestSupport"]),
        .testTarget(
            name: "ShopContractTests",
            dependencies: ["ShopContract", .product(name: "HTTPTypes", package: "swift-http-types")]
        ),
        .testTarget(
            name: "JSONLoggingTests",
            dependencies: ["JSONLogging", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "PaymentGatewayTests",
            dependencies: [
                "PaymentGateway", "ShopDomain", "ShopAPITestSupport", "ShopTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "ShopAuthTests", dependencies: ["ShopAuth", "ShopDomain"]),
        .testTarget(
            name: "ShopCommandLineTests",
            dependencies: ["ShopCommandLine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "DatabaseObservationTests", dependencies: ["DatabaseObservation"]),
        .testTarget(
            name: "LoadReportTests",
            dependencies: [
                "LoadReport", "LoadProfile",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // The system's parts together: the real executables under faults and floods, the alerter against
        // real Prometheus and Alertmanager, the dashboards against a live exposition.
        .testTarget(
            name: "SystemTests",
            dependencies: [
                "ShopAPI", "ShopAPITestSupport", "ShopTestSupport", "ShopContract", "ShopStore", "ShopMetrics", "JSONLogging",
                "SLOSpec", "SLOAdapters", "ShopDashboards", "LoadReport", "ShopLoad", "LoadProfile",
                .product(name: "Yams", package: "Yams"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                "ShopDomain",
            ]
        ),
        .testTarget(
            name: "ShopGameDayTests",
            dependencies: [
                "ShopGameDay", "ShopAPI", "SLOSpec", "LoadProfile", "ShopTestSupport", "LoadReport", "ShopAuth", "ShopLoad",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ShopTracingTests",
            dependencies: [
                "ShopTracing", "ShopTestSupport",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(name: "LoadProfileTests", dependencies: ["LoadProfile", "ShopDomain", "ShopSupport"]),
        .testTarget(name: "SLOMathTests", dependencies: ["SLOMath"]),
        .testTarget(name: "SLOAdaptersTests", dependencies: ["SLOAdapters", "SLOSpec", "LoadReport", "ShopTestSupport", "SLOMath"]),
        .testTarget(
            name: "SLOSpecTests",
            dependencies: [
                "SLOSpec", "SLOMath", "ShopContract", "ShopSupport", "ShopTestSupport", "LoadProfile", .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "ShopLoadTests",
            dependencies: [
                "ShopLoad",
                "LoadReport",
                "LoadProfile",
                "ShopTestSupport",
                "ShopTracing",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .testTarget(
            name: "ShopStoreTests",
            dependencies: [
                "ShopStore", "ShopSupport", "ShopTestSupport", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"), "ShopDomain",
            ]
        ),
        .testTarget(name: "ShopRedisTests", dependencies: ["ShopRedis", "ShopTestSupport"]),
        .testTarget(
            name: "ShopCacheTests",
            dependencies: [
                "ShopCache", "ShopRedis", "ShopStore", "ShopSupport", "ShopMetrics", "ShopTestSupport",
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "Logging", package: "swift-log"), "ShopDomain",
            ]
        ),
        .testTarget(
            name: "ShopAPITests",
            dependencies: [
                "ShopAPI",
                "ShopContract",
                "PaymentGateway",
                "ShopMetrics",
                "ShopRedis",
                "ShopTestSupport",
                "ShopAPITestSupport",
                "JSONLogging",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "JWTKit", package: "jwt-kit"),
                "ShopAuth",
                "ShopTracing",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                "ShopDomain",
                "ShopStore",
                "ShopSupport",
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
    ]
)

// Every module: `any` spelled for existentials, and a member visible only where its module is imported.
for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
