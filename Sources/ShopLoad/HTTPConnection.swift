import NIOCore
import NIOHTTP1
import NIOPosix

/// What became of one request on the wire.
struct Answer {
    /// The status code, or nil when no answer came.
    var status: Int?
    /// The body, when it was asked for.
    var body: ByteBuffer?
    /// Whether the connection may carry the next request.
    var reusable: Bool
}

/// The answers on a keep-alive HTTP/1.1 connection, one request at a time: frames each response and hands it
/// on. Confined to the connection's event loop.
final class AnswerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// Where every answer goes, set once, before the first request: one closure for the connection's life,
    /// not one per request.
    var onAnswer: (Answer) -> Void = { _ in }
    private var parser = ResponseParser()
    private var awaiting = false

    /// Waits for the answer to a request of `method` about to be written.
    func expect(_ method: HTTPMethod, keepBody: Bool) {
        parser.expect(head: method == .HEAD, keepBody: keepBody)
        awaiting = true
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard awaiting else {
            // Bytes with no request out: the server broke the framing, so nothing more on it can be trusted.
            context.close(promise: nil)
            return
        }
        do {
            guard let response = try parser.feed(&bytes) else { return }
            awaiting = false
            onAnswer(Answer(status: response.status, body: response.body, reusable: response.keepAlive && bytes.readableBytes == 0))
        } catch {
            fail()
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if awaiting, let response = parser.finish() {
            awaiting = false
            onAnswer(Answer(status: response.status, body: response.body, reusable: false))
        }
        fail()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail()
        context.close(promise: nil)
    }

    private func fail() {
        guard awaiting else { return }
        awaiting = false
        onAnswer(Answer(status: nil, body: nil, reusable: false))
    }
}

/// One connection of a worker's pool.
final class LoadConnection {
    let channel: any Channel
    let handler: AnswerHandler
    /// The request on the wire and when it was sent, while there is one.
    var current: (job: LoadWorker.Job, sent: NIODeadline)?

    init(channel: any Channel, handler: AnswerHandler) {
        self.channel = channel
        self.handler = handler
    }

    var isOpen: Bool { channel.isActive }

    /// Writes `job`'s request in one piece; the handler's `onAnswer` runs when its answer (or the
    /// connection's end) comes.
    func send(_ job: LoadWorker.Job) {
        current = (job, NIODeadline.now())
        handler.expect(job.request.method, keepBody: job.request.keepBody)
        channel.writeAndFlush(job.request.bytes, promise: nil)
    }

    /// Opens a connection to `host:port` on `loop`.
    static func open(host: String, port: Int, on loop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<LoadConnection> {
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AnswerHandler())
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                LoadConnection(channel: channel, handler: try channel.pipeline.syncOperations.handler(type: AnswerHandler.self))
            }
    }
}
