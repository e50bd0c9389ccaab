import NIOCore
import NIOHTTP1
import ShopContract
import ShopMetrics

/// Sits between NIO's HTTP/1 decoder and Hummingbird: answers what never becomes a request of the router's,
/// and tells `ConnectionDeadlines` where each request stands.
///   - A parse error between requests (an unknown method, bare LF line ends, control characters in a
///     header, a head over the limits) is answered with a problem (400, 431) instead of Hummingbird's bare
///     400, recorded in the request histogram as route `unmatched`, method `_OTHER`, and logged.
///   - A parse error inside a body (a bad chunk size, a body cut short) reaches the handler reading it as
///     `RequestBodyUnreadable`, which it answers 400 (Hummingbird would otherwise write a second, bare 400).
///   - An HTTP/1.1 request without exactly one `Host` is answered 400 (RFC 9112 §3.2), which NIO lets through.
final class RequestGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let deadlines: ConnectionDeadlines
    /// Set once this guard answered: whatever else arrives on the connection is dropped.
    private var refused = false
    /// The request being answered did not ask to keep the connection (HTTP/1.0 without keep-alive, or
    /// `Connection: close`): close once its answer is written, as RFC 9112 §9.3 says.
    private var closeAfterAnswer = false
    /// A refusal waiting for the answers to earlier (pipelined) requests to be written first.
    private var pending: (problem: HTTPProblem, method: String, path: String?, at: NIODeadline)?

    init(deadlines: ConnectionDeadlines) {
        self.deadlines = deadlines
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.version.major == 1, head.version.minor >= 1, Self.hostFields(head.headers) != 1 {
                refuse(.malformedRequest("an HTTP/1.1 request needs exactly one Host header"), method: head.method.rawValue, path: head.uri)
                return
            }
            deadlines.headCompleted()
            if !head.isKeepAlive { closeAfterAnswer = true }
        case .body:
            break
        case .end:
            deadlines.requestEnded()
        }
        context.fireChannelRead(data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        if deadlines.readingBody {
            deadlines.requestEnded()
            context.fireErrorCaught(RequestBodyUnreadable(parserError: parserError))
        } else if !refused {
            refuse(HTTPProblem(parserError: parserError), method: MetricNames.otherMethod, path: nil)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else { return context.write(data, promise: promise) }
        deadlines.answerWritten()
        if deadlines.closing && deadlines.unanswered == 0 || closeAfterAnswer {
            // The answer to a stalled body, or to a client that asked to close: close once it is on the wire,
            // not before (a close drops unsent writes).
            let written = promise ?? context.eventLoop.makePromise()
            written.futureResult.whenComplete { _ in context.close(promise: nil) }
            return context.write(data, promise: written)
        }
        context.write(data, promise: promise)
        if deadlines.unanswered == 0, let pending {
            self.pending = nil
            deadlines.answerAndClose(pending.problem, method: pending.method, path: pending.path, startedAt: pending.at)
        }
    }

    /// How many `Host` fields a head has, without building the array `headers["host"]` would.
    static func hostFields(_ headers: HTTPHeaders) -> Int {
        var count = 0
        for (name, _) in headers where name.utf8.count == 4 && name.utf8.elementsEqual("host".utf8, by: { $0 | 0x20 == $1 }) { count += 1 }
        return count
    }

    private func refuse(_ problem: HTTPProblem, method: String, path: String?) {
        refused = true
        if deadlines.unanswered == 0 {
            deadlines.answerAndClose(problem, method: method, path: path, startedAt: .now())
        } else {
            pending = (problem, method, path, .now())
        }
    }
}

/// A request body NIO's parser could not read (a bad chunk size, a body cut short by the client): the
/// handler reading it answers 400.
struct RequestBodyUnreadable: Error {
    let parserError: HTTPParserError
}
