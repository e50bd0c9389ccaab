import _ConnectionPoolModule
import DatabaseObservation
import Foundation
import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import ShopSupport
import Synchronization

/// PostgreSQL through postgres-nio's `PostgresClient` pool. `run()` must be running (it is a service in
/// the application's service group) for queries to get connections.
///
/// Three things postgres-nio's pool does not do are added here.
/// - A lease that has waited a whole `leaseTimeout` (a quarter of it while leases are failing) on a pool
///   that served no one meanwhile probes the database's address: nothing accepting means down, and the
///   lease fails as `StoreError.unreachable` (a 503) instead of queueing for as long as the pool keeps
///   trying to connect. A pool serving others is busy, not down, and the lease keeps its place, for
///   `maximumLeaseWait` at most.
/// - While leases fail, a fresh pool is tried every half second and replaces the old one as soon as it gets
///   a connection: the old pool backs off up to a minute between attempts, which would keep the service
///   down long after the database came back.
/// - A statement unanswered for `statementTimeout` fails and closes its connection (see `answer(to:)`).
public final class PostgresDatabase: SQLDatabase, Sendable {
    public let dialect = SQLDialect.postgres
    public let leaseTimeout: Duration
    /// How long a statement may go unanswered before it fails as unreachable: far above any statement this
    /// service runs, it only ends waits that would otherwise never end (see `answer(to:within:on:)`).
    public let statementTimeout: TimeAmount
    /// The longest a lease waits for a connection, whatever the probes say: a database that accepts
    /// connections but never completes one (stopped, not dead) must still end in a 503.
    public let maximumLeaseWait: Duration = .seconds(5)
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

        /// The last probe of the database's address: when it started, and its answer to come.
        var probe: (started: ContinuousClock.Instant, accepts: Task<Bool, Never>)?
        var stopped = false
    }

    public init(configuration: PostgresClient.Configuration, logger: Logger, observer: DatabaseObserver? = nil, leaseTimeout: Duration = .milliseconds(800), statementTimeout: TimeAmount = .seconds(10)) {
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
        self.leaseTimeout = leaseTimeout
        self.statementTimeout = statementTimeout
        pool = Mutex(Pool(client: PostgresClient(configuration: configuration, backgroundLogger: logger)))
    }

    /// What a `postgres://user:password@host:port/database?sslmode=disable|prefer|require` URL says.
    struct Address {
        var host: String
        var port: Int
        var username: String
        var password: String?
        var database: String?
        var sslMode: SSLMode

        enum SSLMode: String { case disable, prefer, require }

        init(url: String) throws {
            guard let components = URLComponents(string: url),
                components.scheme == "postgres" || components.scheme == "postgresql",
                let host = components.host, !host.isEmpty
            else { throw ConfigurationError("database URL must look like postgres://user:password@host:5432/database") }
            let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
            guard let mode = SSLMode(rawValue: sslMode) else { throw ConfigurationError("sslmode must be disable, prefer or require, not \(sslMode)") }
            self.sslMode = mode
            let database = String(components.path.drop(while: { $0 == "/" }))
            self.host = host
            port = components.port ?? 5432
            username = components.user?.removingPercentEncoding ?? "postgres"
            password = components.password?.removingPercentEncoding
            self.database = database.isEmpty ? nil : database
        }
    }

    /// The pool's configuration for the database at `url`.
    public static func configuration(url: String, maximumConnections: Int) throws -> PostgresClient.Configuration {
        let address = try Address(url: url)
        let tls: PostgresClient.Configuration.TLS
        switch address.sslMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: address.host, port: address.port, username: address.username, password: address.password, database: address.database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = min(4, maximumConnections)
        configuration.options.connectTimeout = .seconds(2)
        return configuration
    }

    /// Why PostgreSQL refuses a connection to the database at `url`, in its own words (a database that does
    /// not exist, a password it does not accept), or nil when one connects or nothing answers at all. The
    /// pool only ever says that it got no connection.
    public static func refusal(url: String, logger: Logger) async -> String? {
        do {
            let address = try Address(url: url)
            let tls: PostgresConnection.Configuration.TLS
            switch address.sslMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var configuration = PostgresConnection.Configuration(
                host: address.host, port: address.port, username: address.username, password: address.password, database: address.database, tls: tls)
            configuration.options.connectTimeout = .seconds(2)
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch let error as PSQLError where error.code == .server {
            return error.serverInfo?[.message]
        } catch {
            return nil
        }
    }

    public func run() async {
        pool.withLock { pool in
            let client = pool.client
            pool.runs.append(Task { await client.run() })
        }
        await withTaskCancellationHandler {
            await replaceFailingPools()
        } onCancel: {
            for run in pool.withLock({ pool in pool.stopped = true; return pool.runs }) { run.cancel() }
        }
        // Cancelled: every pool was told to stop. postgres-nio 1.33.2's `run()` has been seen not to return
        // then, in a server that sat idle for 100 s after a flood (its connections all closed, the run went
        // on; not reproduced at scaled-down timeouts), which kept shop-api from exiting on SIGTERM. So the
        // wait is bounded, and the service group goes on to flush spans and exit.
        let runs = pool.withLock { $0.runs }
        let stopped = Task {
            for run in runs { await run.value }
        }
        if await !Self.finishes(stopped, within: .seconds(3)) {
            logger.warning("the PostgreSQL pool did not stop within 3 s of being told to; going on without it")
        }
    }

    /// Whether `task` finishes within `limit`, without waiting longer for one that never does (a task group
    /// would wait for it at its end).
    private static func finishes(_ task: Task<Void, Never>, within limit: Duration) async -> Bool {
        let answer = Mutex<CheckedContinuation<Bool, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            answer.withLock { $0 = continuation }
            let resume = { @Sendable (finished: Bool) in answer.withLock { $0.take() }?.resume(returning: finished) }
            Task {
                await task.value
                resume(true)
            }
            Task {
                try? await Task.sleep(for: limit)
                resume(false)
            }
        }
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
            try await client.withConnection { connection in _ = try await connection.boundedQuery("SELECT 1", logger: self.logger, within: .seconds(1)) }
        }) != nil
    }

    /// Whether anything accepts a TCP connection at the database's address within 150 ms. Asked when a
    /// lease has seen the pool serve no one for a whole period, to tell a database that is down (answer
    /// 503 now) from a pool that is only busy (keep waiting). One probe at a time, shared by every waiting
    /// lease.
    private func databaseAccepts() async -> Bool {
        guard let host = configuration.host, let port = configuration.port else { return true }
        let probe = pool.withLock { pool in
            if let probe = pool.probe, ContinuousClock.now - probe.started < .milliseconds(250) { return probe.accepts }
            let accepts = Task {
                let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.milliseconds(150))
                guard let channel = try? await bootstrap.connect(host: host, port: port).get() else { return false }
                try? await channel.close()
                return true
            }
            pool.probe = (.now, accepts)
            return accepts
        }
        return await probe.value
    }

    /// A pooled connection for `body` within `leaseTimeout`, its wait and use reported to the observer
    /// (postgres-nio's pool reports nothing of its own).
    private func withLease<Result: Sendable>(_ body: @Sendable (Executor) async throws -> Result) async throws -> Result {
        observer?.lease(.requested)
        let requested = ContinuousClock.now
        let client = pool.withLock { $0.client }
        let leased = OnceFlag()
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
                            return try await body(Executor(connection: connection, logger: self.logger, observer: self.observer, statementTimeout: self.statementTimeout))
                        }
                    }
                }
                group.addTask {
                    var periodStart = requested
                    // While leases are known to fail, a quarter of the period is enough before asking: the
                    // answer is likely known, and a quick 503 holds fewer requests open through an outage.
                    var period = self.pool.withLock { $0.failingSince == nil } ? self.leaseTimeout : self.leaseTimeout / 4
                    repeat {
                        try await Task.sleep(for: period)
                        if leased.isSet { break }
                        // The pool served someone in the period: busy, not down.
                        let served = self.pool.withLock { pool in pool.lastLease.map { $0 >= periodStart } ?? false }
                        if !served, !(await self.databaseAccepts()) { break }
                        if ContinuousClock.now - requested >= self.maximumLeaseWait { break }
                        periodStart = .now
                        period = self.leaseTimeout
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
                        throw StoreError.unreachable("no connection after \(ContinuousClock.now - requested)")
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
        let statementTimeout: TimeAmount

        func query(_ statement: SQL) async throws -> [SQLRow] {
            try await observer.observe(statement) {
                try await PostgresDatabase.mapErrors {
                    if let shape = statement.shape { return try await prepared(shape, statement) }
                    return try PostgresDatabase.rows(try await connection.boundedQuery(PostgresDatabase.bindings(statement), logger: logger, within: statementTimeout))
                }
            }
        }

        /// `statement` as the named prepared statement `Shape`, which postgres-nio prepares on this
        /// connection the first time and reuses by name after: parsing and planning the order's call each
        /// time cost a fifth of its throughput in pgbench (-M prepared 3,036 calls/s, -M extended 2,513).
        private func prepared<Shape: PreparedShape>(_ shape: Shape.Type, _ statement: SQL) async throws -> [SQLRow] {
            try await connection.boundedExecute(Prepared<Shape>(binds: statement.binds), logger: logger, within: statementTimeout)
                .map(PostgresDatabase.row)
        }
    }

    /// postgres-nio's prepared statement for a shape: its name and text from the shape, the binds from the
    /// statement, rows as they come.
    private struct Prepared<Shape: PreparedShape>: PostgresPreparedStatement {
        static var name: String { Shape.name }
        static var sql: String { Shape.text }
        typealias Row = PostgresRow
        let binds: [SQLValue]

        func makeBindings() throws -> PostgresBindings {
            PostgresDatabase.bindings(binds)
        }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }

    /// The result of a statement, or `StoreError.unreachable` when none arrives within `limit` (and then
    /// `onTimeout`, which closes the connection so its pool forgets it). postgres-nio writes a statement to its channel with no promise for the write:
    /// when PostgreSQL shuts down at that moment, the statement is dropped with the channel's handlers and its result
    /// never comes (seen under a burst while the database stopped, where it held a request and the service's
    /// shutdown forever).
    static func answer<Value: Sendable>(
        to result: EventLoopFuture<Value>, within limit: TimeAmount, onTimeout: @escaping @Sendable () -> Void
    ) -> EventLoopFuture<Value> {
        let answer = result.eventLoop.makePromise(of: Value.self)
        let settled = OnceFlag()
        let timer = result.eventLoop.scheduleTask(in: limit) {
            guard settled.claim() else { return }
            onTimeout()
            answer.fail(StoreError.unreachable("no answer from PostgreSQL within \(limit)"))
        }
        result.whenComplete { outcome in
            guard settled.claim() else { return }
            timer.cancel()
            answer.completeWith(outcome)
        }
        return answer.futureResult
    }

    fileprivate static func bindings(_ statement: SQL) -> PostgresQuery {
        PostgresQuery(unsafeSQL: statement.text(placeholderPrefix: "$"), binds: bindings(statement.binds))
    }

    fileprivate static func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .int(let int): bindings.append(int)
            case .text(let text): bindings.append(text)
            case .null: bindings.appendNull()
            }
        }
        return bindings
    }

    fileprivate static func rows(_ result: PostgresQueryResult) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        rows.reserveCapacity(result.count)
        for row in result { rows.append(try self.row(row)) }
        return rows
    }

    fileprivate static func row(_ row: PostgresRow) throws -> SQLRow {
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
        return SQLRow(values: values)
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

extension PostgresConnection {
    /// `query` through `PostgresDatabase.answer(to:within:onTimeout:)`: unanswered after `limit`, it fails as
    /// unreachable and the connection is closed.
    func boundedQuery(_ query: PostgresQuery, logger: Logger, within limit: TimeAmount) async throws -> PostgresQueryResult {
        try await bounded(self.query(query, logger: logger), within: limit)
    }

    /// The prepared `statement`'s rows, bounded the same way.
    func boundedExecute<Statement: PostgresPreparedStatement>(
        _ statement: Statement, logger: Logger, within limit: TimeAmount
    ) async throws -> [Statement.Row] where Statement.Row: Sendable {
        let rows = eventLoop.makePromise(of: [Statement.Row].self)
        rows.completeWithTask {
            var rows: [Statement.Row] = []
            for try await row in try await self.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
        return try await bounded(rows.futureResult, within: limit)
    }

    private func bounded<Value: Sendable>(_ result: EventLoopFuture<Value>, within limit: TimeAmount) async throws -> Value {
        try await PostgresDatabase.answer(to: result, within: limit) { self.close().whenComplete { _ in } }.get()
    }
}

/// A flag set once, shared by racing parties: whether a lease got its connection (read by its deadline),
/// whether a statement's answer or its timer came first.
private final class OnceFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
    /// Sets the flag; true for the one caller that set it first.
    func claim() -> Bool { value.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
}

/// A configuration mistake found at start: one line for the operator.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
