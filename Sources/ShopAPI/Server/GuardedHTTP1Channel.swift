import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import ShopMetrics

/// Hummingbird's HTTP/1 channel with the connection layer in front of it: the cap on open connections
/// (`ConnectionRegistry`), the head, body and idle deadlines (`ConnectionDeadlines`), and the answers to
/// what the parser or RFC 9112 refuses (`RequestGuard`). Requests themselves are Hummingbird's as before.
struct GuardedHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = HTTP1Channel.Value

    let base: HTTP1Channel
    let limits: ConnectionLimits
    let registry: ConnectionRegistry
    let events: ConnectionEvents

    var responder: Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let client = channel.remoteAddress?.ipAddress
        // Over its address's share: closed before anything is built for it (the cheapest refusal there is).
        if registry.addressIsFull(client) {
            events.closed(.addressLimit, client: client)
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ConnectionRefused())
        }
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let activity = ConnectionActivity()
            let deadlines = ConnectionDeadlines(limits: limits, activity: activity, events: events, client: client)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(deadlines, position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(RequestGuard(deadlines: deadlines), position: .after(decoder))
            switch registry.admit(channel, address: client, activity: activity) {
            case .admitted:
                break
            case .admittedInPlaceOf(let evicted):
                events.closed(.evicted, client: evicted.remoteAddress?.ipAddress)
                evicted.close(promise: nil)
            case .refused:
                events.closed(.refused, client: client)
                channel.close(promise: nil)
                return value
            case .refusedForAddress:
                events.closed(.addressLimit, client: client)
                channel.close(promise: nil)
                return value
            }
            events.metrics.connectionOpened()
            channel.closeFuture.whenComplete { _ in
                registry.remove(channel)
                events.metrics.connectionClosed()
            }
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// A connection the registry turned away before its pipeline was built.
struct ConnectionRefused: Error {}

extension HTTPServerBuilder {
    /// HTTP/1 behind the connection layer.
    static func guardedHTTP1(limits: ConnectionLimits, registry: ConnectionRegistry, events: ConnectionEvents) -> HTTPServerBuilder {
        .init { responder in
            GuardedHTTP1Channel(base: HTTP1Channel(responder: responder), limits: limits, registry: registry, events: events)
        }
    }
}

/// On the listening socket, ahead of NIO's accept back-off (which pauses accepts for a second after a
/// failure but says nothing): counts and logs each failure to accept, rate-limited.
final class AcceptErrorReporter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    let events: ConnectionEvents

    init(events: ConnectionEvents) {
        self.events = events
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is IOError { events.acceptFailed(error) }
        context.fireErrorCaught(error)
    }
}
