import Foundation
import Logging
import PostgresNIO
import _ConnectionPoolModule
import Synchronization

/// PostgreSQL through postgres-nio's `PostgresClient` pool. `run()` must be running (it is a service in
/// the application's service group) for queries to get connections.
///
/// Two things postgres-nio's pool does not do are added here. A waiting lease fails as
/// `StoreError.unreachable` (a 503) within `leaseTimeout` of another lease failing on an unreachable
/// database, or after a whole `leaseTimeout` in which the pool served no one, where the pool would queue it
/// for as long as it keeps trying to connect; while other leases are being served the pool is busy, not
/// down, and the lease keeps its place. And while leases fail, a fresh pool is tried every half second and replaces the old
/// one as soon as it gets a connection: the old pool backs off up to a minute between attempts, which would
/// keep the service down long after the database came back.
public final class PostgresDatabase: SQLDatabase, Sendable {
    public let dialect = SQLDialect.postgres
    public let leaseTimeout: Duration
    private let configuration: PostgresClient.Configuration
    private let logger: Logger
    private let observer: DatabaseObserver?
    private let pool: Mutex<Pool>

    private struct Pool {
        var client: PostgresClient
        /// The `run()` task of every pool started, the current one last.
        var runs: [Task<Void, Never>] = []
        /// When leases started failing; nil while they succeed.
        var failingSince: ContinuousClock.Instant?
        /// When a lease last got a connection: a pool that is busy, not down.
        var lastLease: ContinuousClock.Instant?

        /// Whether a lease that has waited a whole period since `periodStart` should go on waiting. It gives up
        /// once a lease has failed on an unreachable database, or when the pool served others before but
        /// no one in the period. A pool that has never served anyone is still connecting: start-up's own
        /// deadline bounds that wait.
        func keepsWaiting(since periodStart: ContinuousClock.Instant) -> Bool {
            guard failingSince == nil else { return false }
            guard let lastLease else { return true }
            return lastLease >= periodStart
        }
        var stopped = false
    }

    public init(configuration: PostgresClient.Configuration, logger: Logger, observer: DatabaseObserver? = nil, leaseTimeout: Duration = .milliseconds(800)) {
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
        self.leaseTimeout = leaseTimeout
        pool = Mutex(Pool(client: PostgresClient(configuration: configuration, backgroundLogger: logger)))
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=disable|prefer|require`.
    public static func configuration(url: String, maximumConnections: Int) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host, !host.isEmpty
        else { throw ConfigurationError("database URL must look like postgres://user:password@host:5432/database") }
        let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        default: throw ConfigurationError("sslmode must be disable, prefer or require, not \(sslMode)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432,
            username: components.user?.removingPercentEncoding ?? "postgres",
            password: components.password?.removingPercentEncoding,
            database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = min(4, maximumConnections)
        configuration.options.connectTimeout = .seconds(2)
        return configuration
    }

    public func run() async {
        let first = pool.withLock { pool in
            let client = pool.client
            pool.runs.append(Task { await client.run() })
            return pool.runs[0]
        }
        await withTaskCancellationHandler {
            await replaceFailingPools()
        } onCancel: {
            for run in pool.withLock({ pool in pool.stopped = true; return pool.runs }) { run.cancel() }
        }
        await first.value
        for run in pool.withLock({ $0.runs }) { await run.value }
    }

    /// Every half second while leases fail: starts a new pool, and if it gets a connection within a second,
    /// swaps it in and stops the old one (failing the leases still queued there as unreachable).
    private func replaceFailingPools() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(500))
            guard let since = pool.withLock({ $0.failingSince }), ContinuousClock.now - since >= .milliseconds(500) else { continue }
            // A pool that answers after all (a lone dropped connection) stays: retiring it would fail its work.
            if await answers(pool.withLock { $0.client }) {
                pool.withLock { $0.failingSince = nil }
                continue
            }
            let candidate = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let run = Task { await candidate.run() }
            let connects = await answers(candidate)
            let retired: Task<Void, Never>? = pool.withLock { pool in
                guard connects, !pool.stopped else { return nil }
                let old = pool.runs.last
                pool.client = candidate
                pool.runs.append(run)
                pool.failingSince = nil
                return old
            }
            guard connects, let retired else {
                run.cancel()
                continue
            }
            retired.cancel()
            logger.notice("database reachable again: new connection pool in use")
        }
    }

    public func query(_ statement: SQL) async throws -> [SQLRow] {
        try await withLease { try await $0.query(statement) }
    }

    public func transaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await withLease { executor in
            try await executor.query("BEGIN")
            do {
                let result = try await body(executor)
                try await executor.query("COMMIT")
                return result
            } catch {
                _ = try? await executor.query("ROLLBACK")
                throw error
            }
        }
    }

    /// Whether `client` runs `SELECT 1` within a second.
    private func answers(_ client: PostgresClient) async -> Bool {
        (try? await withDeadline(.seconds(1)) {
            try await client.withConnection { connection in _ = try await connection.query("SELECT 1", logger: self.logger) }
        }) != nil
    }

    /// A pooled connection for `body` within `leaseTimeout`, its wait and use reported to the observer
    /// (postgres-nio's pool reports nothing of its own).
    private func withLease<Result: Sendable>(_ body: @Sendable (Executor) async throws -> Result) async throws -> Result {
        observer?.lease(.requested)
        let requested = ContinuousClock.now
        let client = pool.withLock { $0.client }
        let leased = LeaseFlag()
        defer {
            if !leased.isSet { observer?.lease(.acquired(waitedSeconds: (ContinuousClock.now - requested).seconds)) }
            observer?.lease(.released)
        }
        do {
            // The group is awaited before this returns, so `body` does not outlive the call.
            let result = try await withoutActuallyEscaping(body) { body in try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask {
                    try await Self.mapErrors {
                        try await client.withConnection { connection in
                            leased.set()
                            self.pool.withLock { $0.lastLease = .now }
                            self.observer?.lease(.acquired(waitedSeconds: (ContinuousClock.now - requested).seconds))
                            return try await body(Executor(connection: connection, logger: self.logger, observer: self.observer))
                        }
                    }
                }
                group.addTask {
                    var periodStart = requested
                    repeat {
                        try await Task.sleep(for: self.leaseTimeout)
                        defer { periodStart = .now }
                        if leased.isSet || !self.pool.withLock({ $0.keepsWaiting(since: periodStart) }) { break }
                    } while true
                    return nil
                }
                while let next = try await group.next() {
                    if let result = next {
                        group.cancelAll()
                        return result
                    }
                    // The timer: only a lease still waiting on a pool serving no one is given up on, never work
                    // under way.
                    if !leased.isSet {
                        group.cancelAll()
                        throw StoreError.unreachable("no connection within \(self.leaseTimeout)")
                    }
                }
                throw StoreError.unreachable("the lease ended without a result")
            } }
            pool.withLock { $0.failingSince = nil }
            return result
        } catch let error as StoreError {
            if case .unreachable = error { pool.withLock { $0.failingSince = $0.failingSince ?? ContinuousClock.now } }
            throw error
        }
    }

    public func migrationTransaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await transaction { executor in
            // One arbitrary, fixed key for this schema's migrations; released at COMMIT or ROLLBACK.
            try await executor.query("SELECT pg_advisory_xact_lock(7297110)")
            return try await body(executor)
        }
    }

    public func close() async {}

    private struct Executor: SQLExecutor {
        let connection: PostgresConnection
        let logger: Logger
        let observer: DatabaseObserver?

        func query(_ statement: SQL) async throws -> [SQLRow] {
            try await observer.observe(statement) {
                try await PostgresDatabase.mapErrors { try await PostgresDatabase.collect(connection.query(PostgresDatabase.bindings(statement), logger: logger)) }
            }
        }
    }

    fileprivate static func bindings(_ statement: SQL) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: statement.binds.count)
        for value in statement.binds {
            switch value {
            case .int(let int): bindings.append(int)
            case .text(let text): bindings.append(text)
            case .null: bindings.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: statement.text(placeholderPrefix: "$"), binds: bindings)
    }

    fileprivate static func collect(_ rows: PostgresRowSequence) async throws -> [SQLRow] {
        var result: [SQLRow] = []
        for try await row in rows {
            var values: [SQLValue] = []
            values.reserveCapacity(row.count)
            for cell in row {
                if cell.bytes == nil {
                    values.append(.null)
                } else {
                    switch cell.dataType {
                    case .int2, .int4, .int8: values.append(.int(try cell.decode(Int64.self)))
                    case .bool: values.append(.int(try cell.decode(Bool.self) ? 1 : 0))
                    case .numeric:
                        // SUM over BIGINT is NUMERIC in PostgreSQL (INTEGER in SQLite); only whole numbers are expected.
                        let number = NSDecimalNumber(decimal: try cell.decode(Decimal.self))
                        guard number == NSDecimalNumber(value: number.int64Value) else { throw StoreError.corruptRow("non-integer \(number)") }
                        values.append(.int(number.int64Value))
                    case .text, .varchar, .name, .bpchar: values.append(.text(try cell.decode(String.self)))
                    case .void: values.append(.null)
                    default: throw StoreError.corruptRow("unexpected column type \(cell.dataType)")
                    }
                }
            }
            result.append(SQLRow(values: values))
        }
        return result
    }

    /// Unique violations become `StoreError.uniqueViolation`; lost connections `StoreError.unreachable`.
    /// Other server errors stay as they are, to be logged as internal failures.
    static func mapErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as ConnectionPoolError {
            // The pool gave up on connecting, or is shutting down (replaced, or the service is stopping).
            throw StoreError.unreachable("\(error)")
        } catch let error as PSQLError {
            if error.code == .server {
                let state = error.serverInfo?[.sqlState] ?? ""
                if state == "23505" {
                    throw StoreError.uniqueViolation(error.serverInfo?[.constraintName] ?? "unique")
                }
                // Class 08 (connection exception) and 57P0x (shutdown, cannot connect now).
                if state.hasPrefix("08") || state.hasPrefix("57P") {
                    throw StoreError.unreachable(state)
                }
                throw error
            }
            throw StoreError.unreachable("\(error.code)")
        }
    }
}

/// Whether a lease got its connection, read by the lease's deadline.
private final class LeaseFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}

/// A configuration mistake found at start: one line for the operator.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
