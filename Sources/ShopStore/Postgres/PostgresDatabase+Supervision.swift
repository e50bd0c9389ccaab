import DatabaseObservation
import Foundation
import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import ShopSupport
import Synchronization
import _ConnectionPoolModule

/// Keeping the pool useful: running it, replacing one that stays failing, and telling a database that is
/// down from a pool that is only busy.
extension PostgresDatabase {
    package func run() async {
        pool.withLock { pool in
            let client = pool.client
            pool.runs.append(Task { await client.run() })
        }
        await withTaskCancellationHandler {
            await replaceFailingPools()
        } onCancel: {
            for run in pool.withLock({ pool in
                pool.stopped = true; return pool.runs
            }) { run.cancel() }
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
    static func finishes(_ task: Task<Void, Never>, within limit: Duration) async -> Bool {
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
    func replaceFailingPools() async {
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

    /// Whether `client` runs `SELECT 1` within a second.
    func answers(_ client: PostgresClient) async -> Bool {
        (try? await withDeadline(.seconds(1)) {
            try await client.withConnection { connection in
                _ = try await connection.boundedQuery("SELECT 1", logger: self.logger, within: .seconds(1))
            }
        }) != nil
    }

    /// Whether anything accepts a TCP connection at the database's address within 150 ms. Asked when a
    /// lease has seen the pool serve no one for a whole period, to tell a database that is down (answer
    /// 503 now) from a pool that is only busy (keep waiting). One probe at a time, shared by every waiting
    /// lease.
    func databaseAccepts() async -> Bool {
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
}
