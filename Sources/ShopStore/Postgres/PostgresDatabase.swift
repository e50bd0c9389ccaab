import DatabaseObservation
import Foundation
import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import ShopSupport
import Synchronization
import _ConnectionPoolModule

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
package final class PostgresDatabase: SQLDatabase, Sendable {
    /// The pool's settings, as `configuration(url:maximumConnections:)` makes them from a URL.
    package typealias Configuration = PostgresClient.Configuration

    package let dialect = SQLDialect.postgres
    package let leaseTimeout: Duration
    /// How long a statement may go unanswered before it fails as unreachable: far above any statement this
    /// service runs, it only ends waits that would otherwise never end (see `answer(to:within:on:)`).
    package let statementTimeout: TimeAmount
    /// The longest a lease waits for a connection, whatever the probes say: a database that accepts
    /// connections but never completes one (stopped, not dead) must still end in a 503.
    package let maximumLeaseWait: Duration = .seconds(5)
    let configuration: PostgresClient.Configuration
    let logger: Logger
    let observer: DatabaseObserver?
    let pool: Mutex<Pool>

    struct Pool {
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

    package init(
        configuration: PostgresClient.Configuration, logger: Logger, observer: DatabaseObserver? = nil, leaseTimeout: Duration = .milliseconds(800),
        statementTimeout: TimeAmount = .seconds(10)
    ) {
        self.configuration = configuration
        self.logger = logger
        self.observer = observer
        self.leaseTimeout = leaseTimeout
        self.statementTimeout = statementTimeout
        pool = Mutex(Pool(client: PostgresClient(configuration: configuration, backgroundLogger: logger)))
    }

    package func query(_ statement: SQL) async throws -> [SQLRow] {
        try await withLease { try await $0.query(statement) }
    }

    package func transaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
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

    /// A pooled connection for `body` within `leaseTimeout`, its wait and use reported to the observer
    /// (postgres-nio's pool reports nothing of its own).
    func withLease<Result: Sendable>(_ body: @Sendable (Executor) async throws -> Result) async throws -> Result {
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
            let result = try await withoutActuallyEscaping(body) { body in
                try await withThrowingTaskGroup(of: Result?.self) { group in
                    group.addTask {
                        try await Self.mapErrors {
                            try await client.withConnection { connection in
                                leased.set()
                                self.pool.withLock { $0.lastLease = .now }
                                self.observer?.lease(.acquired(waitedSeconds: (ContinuousClock.now - requested).seconds))
                                return try await body(
                                    Executor(
                                        connection: connection, logger: self.logger, observer: self.observer, statementTimeout: self.statementTimeout)
                                )
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
                }
            }
            pool.withLock { $0.failingSince = nil }
            return result
        } catch let error as StoreError {
            if case .unreachable = error { pool.withLock { $0.failingSince = $0.failingSince ?? ContinuousClock.now } }
            throw error
        }
    }

    package func migrationTransaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await transaction { executor in
            // One arbitrary, fixed key for this schema's migrations; released at COMMIT or ROLLBACK.
            try await executor.query("SELECT pg_advisory_xact_lock(7297110)")
            return try await body(executor)
        }
    }

    package func close() async {}
}
