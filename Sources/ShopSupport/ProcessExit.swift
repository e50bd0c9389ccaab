import Foundation
import Synchronization

/// The exit of a child process, awaited without holding a thread. Async code runs on Swift's cooperative
/// pool, one thread per core (two here): a blocking `waitUntilExit` there stalls every other task, timers
/// included, for as long as the child takes (a draining `shop-api` or a month of `promtool` takes seconds).
package final class ProcessExit: Sendable {
    private let state = Mutex<(status: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))

    /// Starts `process`, watching for its exit from before it can happen.
    package static func launch(_ process: Process) throws -> ProcessExit {
        let exit = ProcessExit()
        process.terminationHandler = { exit.finish($0.terminationStatus) }
        try process.run()
        return exit
    }

    private init() {}

    private func finish(_ status: Int32) {
        let waiters = state.withLock { state in
            state.status = status
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    /// Whether the process has ended.
    package var hasExited: Bool { state.withLock { $0.status != nil } }

    /// The exit status, once the process has ended.
    package func status() async -> Int32 {
        await withCheckedContinuation { waiter in
            let status = state.withLock { state -> Int32? in
                if state.status == nil { state.waiters.append(waiter) }
                return state.status
            }
            if let status { waiter.resume(returning: status) }
        }
    }
}
