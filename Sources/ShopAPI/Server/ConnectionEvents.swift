import JSONLogging
import Logging
import NIOCore
import ShopContract
import ShopMetrics
import Synchronization

/// What the connection layer reports. A request it refuses itself (not HTTP, no `Host`) is recorded like any
/// other: in the request histogram (route `unmatched`) and the access log. A connection it closes or refuses
/// is counted by reason and logged at most once per cause every `logInterval`, with how many happened since,
/// so a flood of slow sockets costs a few lines, not one per socket.
final class ConnectionEvents: Sendable {
    /// Nil with request telemetry off.
    let requests: HTTPServerMetrics?
    let metrics: ShopMetrics
    let logger: Logger
    let logInterval: TimeAmount
    private let lastLines = Mutex<[String: (at: NIODeadline, since: Int)]>([:])

    init(requests: HTTPServerMetrics?, metrics: ShopMetrics, logger: Logger, logInterval: TimeAmount = .seconds(10)) {
        self.requests = requests
        self.metrics = metrics
        self.logger = logger
        self.logInterval = logInterval
    }

    /// A request answered by the connection layer with `status`.
    func answered(method: String, path: String?, status: Int, bytesIn: Int, bytesOut: Int, client: String?, since start: NIODeadline) {
        guard let requests else { return }
        let seconds = Double((NIODeadline.now() - start).nanoseconds) / 1_000_000_000
        requests.record(method: method, route: MetricNames.unmatchedRoute, status: status, seconds: seconds)
        logger.log(
            .info, "request",
            fields: AccessLine.fields(
                method: HTTPServerMetrics.standardMethods.contains(method) ? method : MetricNames.otherMethod,
                route: MetricNames.unmatchedRoute, path: path ?? "", status: status, seconds: seconds,
                bytesIn: bytesIn, bytesOut: bytesOut, client: client, user: nil))
    }

    func closed(_ reason: ShopMetrics.ConnectionCloseReason, client: String?) {
        metrics.connectionClosed(reason)
        guard reason != .idleTimeout else { return }  // the ordinary end of a kept-alive connection
        let message: Logger.Message =
            switch reason {
            case .headTimeout: "closed connections whose request head did not arrive in time"
            case .bodyTimeout: "closed connections whose request body stalled"
            case .evicted: "at the connection cap: closed waiting or stalled connections to admit new ones"
            case .refused: "at the connection cap with every connection busy: refused new ones"
            case .addressLimit: "refused connections from an address that holds its share of the cap"
            case .idleTimeout: ""
            }
        warnOncePerInterval(reason.rawValue, message, metadata: client.map { ["client_address": "\($0)"] } ?? [:])
    }

    func acceptFailed(_ error: any Error) {
        metrics.acceptFailed()
        warnOncePerInterval(
            "accept", "cannot accept connections (out of file descriptors?); pausing accepts for a second", metadata: ["error": "\(error)"])
    }

    /// Logs `message` now if this cause was last logged `logInterval` ago or never, with the number of
    /// events since its last line; otherwise only counts it.
    private func warnOncePerInterval(_ cause: String, _ message: Logger.Message, metadata: Logger.Metadata) {
        let now = NIODeadline.now()
        let count: Int? = lastLines.withLock { lines in
            guard let last = lines[cause], now - last.at < logInterval else {
                let count = (lines[cause]?.since ?? 0) + 1
                lines[cause] = (now, 0)
                return count
            }
            lines[cause]!.since += 1
            return nil
        }
        guard let count else { return }
        var metadata = metadata
        metadata["cause"] = "\(cause)"
        metadata["count"] = "\(count)"
        logger.warning(message, metadata: metadata)
    }
}
