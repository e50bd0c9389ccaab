import Histogram
import LoadReport
import Synchronization

/// Running totals every worker adds to and the progress line reads: shared, so behind a lock (a few
/// nanoseconds uncontended next to a request's microseconds).
package final class ProgressBoard: Sendable {
    package struct Snapshot: Sendable {
        package var admitted = 0
        package var completed = 0
        package var errors = 0
        package var dropped = 0
        /// Corrected latency p99 of the requests answered since the last snapshot, in seconds.
        package var recentP99: Double = 0
        package var recentCompleted = 0
        /// Admitted and not yet answered: on the wire or waiting for a connection.
        package var inFlight: Int { admitted - completed }
    }

    private struct State {
        var snapshot = Snapshot()
        var recent = LatencyHistogram.make()
    }

    private let state = Mutex(State())

    package init() {}

    func completed(status: StatusClass, corrected: Int64) {
        state.withLock { state in
            state.snapshot.completed += 1
            if status.isError { state.snapshot.errors += 1 }
            LatencyHistogram.record(corrected, in: &state.recent)
        }
    }

    func admitted() {
        state.withLock { $0.snapshot.admitted += 1 }
    }

    /// An arrival dropped: at the in-flight cap, or admitted and then never sent (the run stopped).
    func dropped(wasAdmitted: Bool = false) {
        state.withLock { state in
            state.snapshot.dropped += 1
            if wasAdmitted { state.snapshot.admitted -= 1 }
        }
    }

    /// The totals so far, leaving the latest window as it is.
    package func totals() -> Snapshot { state.withLock { $0.snapshot } }

    /// The totals, and the latest window's p99, starting a new window.
    package func take() -> Snapshot {
        state.withLock { state in
            var snapshot = state.snapshot
            snapshot.recentCompleted = Int(state.recent.totalCount)
            snapshot.recentP99 = state.recent.totalCount == 0 ? 0 : Double(state.recent.valueAtPercentile(99)) / 1_000_000
            state.recent.reset()
            return snapshot
        }
    }
}
