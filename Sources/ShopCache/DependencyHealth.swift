import Logging
import ShopMetrics
import Synchronization

/// Whether an optional dependency (Redis) is in use or being done without, shared by everything that uses
/// it so a lost Redis is one warning, not one per caller. While it is down, one caller at a time tries it
/// again every `retryInterval`; the first success brings it back. Each transition is logged once and
/// shown in `shop_dependency_up`.
package final class DependencyHealth: Sendable {
    package let name: String
    private let retryInterval: Duration
    private let logger: Logger
    private let metrics: ShopMetrics
    private let state: Mutex<State>

    private struct State {
        var up = true
        var nextTry = ContinuousClock.now
        /// Counts outages, so what was cached in-process during one is not trusted in the next.
        var outage = 0
    }

    package init(name: String, retryInterval: Duration = .seconds(1), logger: Logger, metrics: ShopMetrics) {
        self.name = name
        self.retryInterval = retryInterval
        self.logger = logger
        self.metrics = metrics
        state = Mutex(State())
        metrics.dependencyUp(name, true)
    }

    package var isUp: Bool { state.withLock { $0.up } }
    /// Which outage this is (0 before the first).
    package var outage: Int { state.withLock { $0.outage } }

    /// Runs `body` when the dependency is worth trying now and records how that went: the result, or nil
    /// when it was not tried or failed (the caller then does without).
    package func attempt<Result>(_ body: () async throws -> Result) async -> Result? {
        guard shouldTry() else { return nil }
        do {
            let result = try await body()
            succeeded()
            return result
        } catch {
            failed(error)
            return nil
        }
    }

    /// True when the dependency should be tried now: always while up; while down, for the first caller
    /// after each retry interval.
    private func shouldTry() -> Bool {
        state.withLock { state in
            if state.up { return true }
            let now = ContinuousClock.now
            guard now >= state.nextTry else { return false }
            state.nextTry = now + retryInterval
            return true
        }
    }

    private func succeeded() {
        let recovered = state.withLock { state in
            defer { state.up = true }
            return !state.up
        }
        if recovered {
            metrics.dependencyUp(name, true)
            logger.warning("dependency is back, using it again", metadata: ["dependency": "\(name)"])
        }
    }

    package func failed(_ error: any Error) {
        let lost = state.withLock { state in
            state.nextTry = ContinuousClock.now + retryInterval
            guard state.up else { return false }
            state.up = false
            state.outage += 1
            return true
        }
        if lost {
            metrics.dependencyUp(name, false)
            logger.warning("dependency unavailable, working without it", metadata: ["dependency": "\(name)", "error": "\(error)"])
        }
    }
}
