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

/// The end of a response on a keep-alive HTTP/1.1 connection, one request at a time: hands the answer to
/// whoever sent the request. Confined to the connection's event loop.
final class AnswerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var status = 0
    private var keepAlive = true
    private var keepBody = false
    private var body: ByteBuffer?
    private var onAnswer: ((Answer) -> Void)?

    /// Waits for the answer to the request about to be written.
    func expect(keepBody: Bool, _ onAnswer: @escaping (Answer) -> Void) {
        self.keepBody = keepBody
        self.onAnswer = onAnswer
        body = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
        case .body(var part):
            guard keepBody else { return }
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            let answer = Answer(status: status, body: body, reusable: keepAlive)
            body = nil
            if let onAnswer {
                self.onAnswer = nil
                onAnswer(answer)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
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

    /// Writes `request`; `onAnswer` runs on the event loop when its answer (or the connection's end) comes.
    func send(_ request: PreparedRequest, keepBody: Bool, _ onAnswer: @escaping (Answer) -> Void) {
        handler.expect(keepBody: keepBody, onAnswer)
        channel.write(HTTPClientRequestPart.head(request.head), promise: nil)
        if let body = request.body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    /// Opens a connection to `host:port` on `loop`.
    static func open(host: String, port: Int, on loop: any EventLoop, timeout: TimeAmount) -> EventLoopFuture<LoadConnection> {
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // The headers are the generator's own, built from fixed parts: validating each outgoing
                    // request's headers again cost about a tenth of the generator's time.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(leftOverBytesStrategy: .dropBytes, enableOutboundHeaderValidation: false)
                    try channel.pipeline.syncOperations.addHandler(AnswerHandler())
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                LoadConnection(channel: channel, handler: try channel.pipeline.syncOperations.handler(type: AnswerHandler.self))
            }
    }
}
