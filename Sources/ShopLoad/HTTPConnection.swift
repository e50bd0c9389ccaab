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

    /// The decoder before this handler in the pipeline, to be told each request's method.
    let decoder: ResponseDecoder

    private var status = 0
    private var keepAlive = true
    private var keepBody = false
    private var body: ByteBuffer?
    private var onAnswer: ((Answer) -> Void)?

    init(decoder: ResponseDecoder) {
        self.decoder = decoder
    }

    /// Waits for the answer to a request of `method` about to be written.
    func expect(_ method: HTTPMethod, keepBody: Bool, _ onAnswer: @escaping (Answer) -> Void) {
        decoder.expect(method)
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

/// NIO's response decoder, told each request's method by the sender rather than by watching the
/// request heads go out through the pipeline: requests go out as bytes, with no head to watch.
struct ResponseDecoder: ByteToMessageDecoder {
    typealias InboundOut = HTTPClientResponsePart
    let http = HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)
    private static let get = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/")
    private static let post = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")

    /// Pairs the next response with a request of `method`.
    func expect(_ method: HTTPMethod) {
        switch method {
        case .GET: http.write(data: .head(Self.get))
        case .POST: http.write(data: .head(Self.post))
        default: http.write(data: .head(HTTPRequestHead(version: .http1_1, method: method, uri: "/")))
        }
    }

    func decoderAdded(context: ChannelHandlerContext) { http.decoderAdded(context: context) }
    func decoderRemoved(context: ChannelHandlerContext) { http.decoderRemoved(context: context) }
    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        try http.decode(context: context, buffer: &buffer)
    }
    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try http.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
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
                    let decoder = ResponseDecoder()
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
                    try channel.pipeline.syncOperations.addHandler(AnswerHandler(decoder: decoder))
                }
            }
            .connect(host: host, port: port)
            .flatMapThrowing { channel in
                LoadConnection(channel: channel, handler: try channel.pipeline.syncOperations.handler(type: AnswerHandler.self))
            }
    }
}
