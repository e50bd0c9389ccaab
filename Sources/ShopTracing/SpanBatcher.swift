import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The bounded queue between ended spans and the exporter. Ending a span appends it under a lock (no task
/// hop, no allocation beyond the array's growth); one task wakes when a batch is full, when the schedule
/// delay passes, or on a flush, encodes what is queued and posts it. A full queue drops the span and
/// counts it; so does a batch the receiver refuses or that cannot leave in time. On graceful shutdown
/// everything queued is sent before `run` returns.
package final class SpanBatcher: Service, Sendable {
    /// Series for what leaves and what is lost; names are the caller's (its one metrics naming place).
    package struct Counters: Sendable {
        package let exported: Counter
        package let droppedQueueFull: Counter
        package let droppedExportFailed: Counter

        package init(exported: Counter, droppedQueueFull: Counter, droppedExportFailed: Counter) {
            (self.exported, self.droppedQueueFull, self.droppedExportFailed) = (exported, droppedQueueFull, droppedExportFailed)
        }
    }

    private struct State: ~Copyable {
        var queue: [RecordedSpan] = []
        var waiter: CheckedContinuation<Void, Never>?
        var wakePending = false
        var stopping = false
    }

    private let state = Mutex(State())
    private let configuration: TracingConfiguration
    private let exporter: OTLPExporter
    private let counters: Counters
    private let logger: Logger
    private let scope: String

    package init(configuration: TracingConfiguration, endpoint: URL, counters: Counters, logger: Logger, scope: String = "shop") {
        self.configuration = configuration
        exporter = OTLPExporter(configuration: configuration, endpoint: endpoint)
        self.counters = counters
        self.logger = logger
        self.scope = scope
    }

    func append(_ span: RecordedSpan) {
        let (accepted, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard state.queue.count < configuration.maxQueueSize else { return (false, nil) }
            state.queue.append(span)
            guard state.queue.count >= configuration.maxExportBatchSize else { return (true, nil) }
            return (true, Self.takeWaiter(&state))
        }
        if !accepted { counters.droppedQueueFull.increment() }
        waiter?.resume()
    }

    /// Wakes the export task now.
    func flushSoon() {
        state.withLock { Self.takeWaiter(&$0) }?.resume()
    }

    private static func takeWaiter(_ state: inout State) -> CheckedContinuation<Void, Never>? {
        guard let waiter = state.waiter else {
            state.wakePending = true
            return nil
        }
        state.waiter = nil
        return waiter
    }

    package func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled {
                await waitForWork()
                let stopping = state.withLock { $0.stopping }
                await exportQueued()
                if stopping { break }
            }
        } onGracefulShutdown: {
            self.state.withLock { state in
                state.stopping = true
                return Self.takeWaiter(&state)
            }?.resume()
        }
        await exporter.shutdown()
    }

    /// Returns when a batch is full, a flush or shutdown was asked for, or the schedule delay passed.
    private func waitForWork() async {
        let delay = configuration.scheduleDelay
        await withTaskCancellationHandler {
            await waitForWork(upTo: delay)
        } onCancel: {
            flushSoon()
        }
    }

    private func waitForWork(upTo delay: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Cancelled when something else woke the task first; only a delay that really passed wakes it.
                guard (try? await Task.sleep(for: delay)) != nil else { return }
                self.flushSoon()
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.wakePending || state.stopping || state.queue.count >= configuration.maxExportBatchSize {
                        state.wakePending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
            group.cancelAll()
        }
    }

    /// Takes the whole queue and sends it in batches, each with its own deadline.
    private func exportQueued() async {
        var taken: [RecordedSpan] = []
        taken.reserveCapacity(configuration.maxExportBatchSize)
        state.withLock { swap(&$0.queue, &taken) }
        var start = taken.startIndex
        while start < taken.endIndex {
            let end = min(start + configuration.maxExportBatchSize, taken.endIndex)
            let batch = taken[start..<end]
            start = end
            let body = OTLPEncoding.request(batch, resource: configuration.resource, scope: scope)
            switch await exporter.export(body, until: .now + configuration.batchTimeout) {
            case .sent:
                counters.exported.increment(by: batch.count)
            case .retry(_, let reason), .refused(let reason):
                counters.droppedExportFailed.increment(by: batch.count)
                logger.warning(
                    "spans not exported", metadata: ["spans": "\(batch.count)", "endpoint": "\(exporter.endpoint)", "reason": "\(reason)"])
            }
        }
    }
}
