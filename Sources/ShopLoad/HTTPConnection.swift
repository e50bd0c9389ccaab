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
/// to whoever sent the request. Confined to the connection's event loop.
final class AnswerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private var parser = ResponseParser()
    private var onAnswer: ((Answer) -> Void)?

    /// Waits for the answer to a request of `method` about to be written.
    func expect(_ method: HTTPMethod, keepBody: Bool, _ onAnswer: @escaping (Answer) -> Void) {
        parser.expect(head: method == .HEAD, keepBody: keepBody)
        self.onAnswer = onAnswer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        guard let onAnswer else {
            // Bytes with no request out: the server broke the framing, so nothing more on it can be trusted.
            context.close(promise: nil)
            return
        }
        do {
            guard let response = try parser.feed(&bytes) else { return }
            self.onAnswer = nil
            onAnswer(Answer(status: response.status, body: response.body, reusable: response.keepAlive && bytes.readableBytes == 0))
        } catch {
            fail()
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let onAnswer, let response = parser.finish() {
            self.onAnswer = nil
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
        guard let onAnswer else { return }
        self.onAnswer = nil
        onAnswer(Answer(status: nil, body: nil, reusable: false))
    }
}

/// One connection of a worker's pool.
final class LoadConnection {
    let channel: any Channel
    let handler: AnswerHandler

    init(channel: any Channel, handler: AnswerHandler) {
        self.channel = channel
        self.handler = handler
    }

    var isOpen: Bool { channel.isActive }

    /// Writes `request` in one piece; `onAnswer` runs on the event loop when its answer (or the connection's
    /// end) comes.
    func send(_ request: PreparedRequest, keepBody: Bool, _ onAnswer: @escaping (Answer) -> Void) {
        handler.expect(request.method, keepBody: keepBody, onAnswer)
        channel.writeAndFlush(request.bytes, promise: nil)
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
