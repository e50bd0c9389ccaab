import LoadReport
import Synchronization

/// The windows the workers have closed, merged by index as they close: what a live check reads while the run
/// goes on, and the result's windows at its end. A window is complete once every worker has closed it;
/// each worker closes a window once, so this is touched once per window and worker, not per request.
final class WindowBoard: Sendable {
    private struct State {
        var windows: [Int: [String: LoadResult.EndpointCounts]] = [:]
        /// Per worker: every window below this index is closed there.
        var closedBefore: [Int]
    }

    private let state: Mutex<State>

    init(workers: Int) {
        state = Mutex(State(closedBefore: Array(repeating: 0, count: workers)))
    }

    /// `closed` windows of one worker, added bucket by bucket to the other workers' (as `merge` adds shards).
    func add(_ closed: [Int: [String: LoadResult.EndpointCounts]], worker: Int, closedBefore: Int) {
        state.withLock { state in
            for (index, endpoints) in closed {
                for (endpoint, counts) in endpoints { state.windows[index, default: [:]][endpoint, default: .init()].add(counts) }
            }
            state.closedBefore[worker] = max(state.closedBefore[worker], closedBefore)
        }
    }

    /// Every window below this index is closed by every worker: complete.
    func completeBefore() -> Int { state.withLock { $0.closedBefore.min() ?? 0 } }

    /// The windows every worker has closed so far (all of them once the workers have ended), by index.
    func complete() -> [Int: [String: LoadResult.EndpointCounts]] {
        state.withLock { state in
            let before = state.closedBefore.min() ?? 0
            return state.windows.filter { $0.key < before }
        }
    }

    /// Every worker's windows, complete or not: the result's, once the workers have ended.
    func all() -> [Int: [String: LoadResult.EndpointCounts]] { state.withLock { $0.windows } }
}
