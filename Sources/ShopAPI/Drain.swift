import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// Shutdown in the order a load balancer needs: on SIGTERM the instance first says it is not ready
/// (`/readyz` 503) and asks clients to close their connections, while still serving everything, for
/// `shutdownDelay`; only then does the server stop accepting and finish what it accepted. Closing the
/// listener at once would reset the connections a balancer is still sending, and those the kernel had
/// accepted but the server had not yet read.
package final class Drain: Sendable {
    private let draining = Atomic<Bool>(false)

    package init() {}

    package var isDraining: Bool { draining.load(ordering: .relaxed) }

    func begin() { draining.store(true, ordering: .relaxed) }
}

/// The first service to stop: when shutdown begins it starts the drain and waits `delay` before letting
/// the service group stop the server. Put it after the application in the group.
package struct DrainDelayService: Service {
    let drain: Drain
    let delay: Duration
    let logger: Logger

    package init(drain: Drain, delay: Duration, logger: Logger) {
        self.drain = drain
        self.delay = delay
        self.logger = logger
    }

    package func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: no drain
        }
        drain.begin()
        logger.notice("shutting down: not ready now, closing the listener after the delay", metadata: ["delay": "\(delay)"])
        try? await Task.sleep(for: delay)
    }
}
