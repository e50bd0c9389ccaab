import Foundation
import HTTPTypes
import NIOCore
import ShopContract
import ShopMetrics

/// The first handler of a client connection, on its raw bytes: enforces the head, body and idle timeouts
/// and writes the answers the connection layer gives itself. Hummingbird has only an idle timeout, which
/// a client trickling its head a byte at a time never trips, and NIO's IdleStateHandler measures silence,
/// not how long a head takes, so the deadlines are kept here. `RequestGuard`, further in, reports where each
/// request stands (head complete, body ended, answered), so one timer per connection follows the phase:
///   - idle (nothing since the last answer): closed quietly after the idle timeout;
///   - head (its first bytes arrived): answered 408 and closed if the head is not whole within the head timeout;
///   - body (head read, body coming): the request's body read fails with `RequestBodyTimeout` (the handler
///     answers 408) after a pause longer than the body timeout, and the connection closes after that answer;
///   - busy (answering): no deadline; a slow handler is the server's own business.
/// The timer is rescheduled only when it fires early or a nearer deadline appears, about once per request.
final class ConnectionDeadlines: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let limits: ConnectionLimits
    let activity: ConnectionActivity
    let events: ConnectionEvents
    let client: String?

    private var context: ChannelHandlerContext?
    /// Bytes of a head whose end has not arrived: since when.
    private var headStarted: NIODeadline?
    /// Nothing read yet: last in line for eviction at the cap (it may be a normal client whose head a
    /// saturated loop has not reached), timed like an idle connection from its accept.
    private var fresh = true
    private(set) var readingBody = false
    private var lastBodyBytes = NIODeadline.now()
    /// Requests whose head arrived and whose answer has not been written whole.
    private(set) var unanswered = 0
    /// The end of the last answer, or the accept while nothing has been read.
    private var idleSince = NIODeadline.now()
    private var timer: Scheduled<Void>?
    private var timerDeadline = NIODeadline.distantFuture
    /// Set once the connection is being closed by this layer: nothing more is timed, and the connection
    /// closes once the answer in progress is written.
    private(set) var closing = false

    init(limits: ConnectionLimits, activity: ConnectionActivity, events: ConnectionEvents, client: String?) {
        self.limits = limits
        self.activity = activity
        self.events = events
        self.client = client
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        updateTimer()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = NIODeadline.now()
        fresh = false
        if readingBody {
            lastBodyBytes = now
        } else if headStarted == nil {
            headStarted = now
        }
        // The request guard further in reports synchronously what these bytes completed.
        context.fireChannelRead(data)
        updateTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    // MARK: Reported by `RequestGuard`

    func headCompleted() {
        headStarted = nil
        readingBody = true
        lastBodyBytes = .now()
        unanswered += 1
    }

    func requestEnded() {
        readingBody = false
    }

    func answerWritten() {
        unanswered -= 1
        guard unanswered == 0 else { return }
        let now = NIODeadline.now()
        idleSince = now
        // A pipelined head that began while the last answer was written is timed from now.
        if headStarted != nil { headStarted = now }
        updateTimer()
    }

    /// Writes a complete problem answer straight to the socket and closes: for requests that never reached
    /// the router. `method` and `path` are what is known of the request, for its access line.
    func answerAndClose(_ problem: HTTPProblem, method: String, path: String?, startedAt start: NIODeadline) {
        guard let context, !closing else { return }
        closing = true
        timer?.cancel()
        timer = nil
        let (bytes, status) = ProblemMapping.wireResponse(for: problem, path: path, logger: events.logger, allocator: context.channel.allocator)
        events.answered(method: method, path: path, status: status, bytesIn: 0, bytesOut: bytes.readableBytes, client: client, since: start)
        context.writeAndFlush(NIOAny(IOData.byteBuffer(bytes))).whenComplete { [context] _ in context.close(promise: nil) }
    }

    // MARK: The timer

    private enum Deadline {
        case idle, head, body
    }

    private func currentDeadline() -> (NIODeadline, Deadline)? {
        if closing { return nil }
        if readingBody {
            activity.enter(.body, at: lastBodyBytes)
            return (lastBodyBytes + TimeAmount(limits.bodyTimeout), .body)
        }
        if unanswered > 0 {
            activity.enter(.busy, at: .now())
            return nil
        }
        if let headStarted {
            activity.enter(.head, at: headStarted)
            return (headStarted + TimeAmount(limits.headTimeout), .head)
        }
        if fresh {
            activity.enter(.fresh, at: idleSince)
        } else {
            activity.enter(.idle, at: idleSince)
        }
        return (idleSince + TimeAmount(limits.idleTimeout), .idle)
    }

    private func updateTimer() {
        guard let (deadline, _) = currentDeadline(), let context else { return }
        // A timer already due earlier fires, finds the deadline moved, and reschedules then.
        if timer != nil, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            timerDeadline = .distantFuture
            fired()
        }
    }

    private func fired() {
        guard let (deadline, kind) = currentDeadline(), let context else { return }
        guard NIODeadline.now() >= deadline else { return updateTimer() }
        switch kind {
        case .idle:
            closing = true
            events.closed(.idleTimeout, client: client)
            context.close(promise: nil)
        case .head:
            events.closed(.headTimeout, client: client)
            answerAndClose(
                .requestTimeout("the request head did not arrive within \(limits.headTimeout)"), method: MetricNames.otherMethod,
                path: nil, startedAt: headStarted ?? .now())
        case .body:
            // The handler reading the body gets the error and answers 408; then the connection closes.
            readingBody = false
            closing = true
            events.closed(.bodyTimeout, client: client)
            context.fireErrorCaught(RequestBodyTimeout())
            // A handler that never reads its body does not hold the connection past a grace period.
            context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: TimeAmount(limits.bodyTimeout)) { context.close(promise: nil) }
        }
    }
}
