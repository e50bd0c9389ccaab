import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A client that speaks bytes, not HTTP: to send what no well-behaved client would (a body cut short, a
/// bad chunk size, no Host, a head a byte at a time) and read what comes back, if anything.
package struct RawHTTPConnection {
    package let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// How the client leaves after sending.
    package enum Ending {
        /// Stays, reading until the server closes or `readTimeout` passes.
        case stay
        /// Shuts its sending side (FIN) and keeps reading.
        case halfClose
        /// Resets the connection (RST) without reading.
        case reset
    }

    package struct Reply {
        package let raw: String
        /// The status of the first response, nil when nothing came back.
        package var status: Int? {
            guard raw.hasPrefix("HTTP/1.1 ") else { return nil }
            return Int(raw.dropFirst(9).prefix(3))
        }
        package var headers: [String: String] {
            let head = raw.components(separatedBy: "\r\n\r\n").first ?? ""
            var fields: [String: String] = [:]
            for line in head.components(separatedBy: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            return fields
        }
        package var body: String { raw.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n") }
        /// The body as JSON, when it is.
        package var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] }
        /// Whether the server closed the connection before `readTimeout`.
        package let closedByServer: Bool
    }

    /// A connection to 127.0.0.1:`port`, from `source` (another loopback address stands for another host).
    package static func connect(port: Int, from source: String? = nil) async throws -> RawHTTPConnection {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel =
            try await bootstrap
            .channelOption(.allowRemoteHalfClosure, value: true)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return RawHTTPConnection(channel: channel)
    }

    /// Sends `parts` in order, pausing `pause` between them, ends as told, and reads what comes back.
    package static func exchange(
        port: Int, _ parts: [String], from source: String? = nil, pause: Duration = .zero, ending: Ending = .stay,
        readTimeout: Duration = .seconds(5)
    ) async throws -> Reply {
        let connection = try await connect(port: port, from: source)
        return try await connection.channel.executeThenClose { inbound, outbound in
            for (index, part) in parts.enumerated() {
                if index > 0, pause > .zero { try await Task.sleep(for: pause) }
                // A server that answered and closed mid-way refuses the rest: read what it said.
                do { try await outbound.write(ByteBuffer(string: part)) } catch { break }
            }
            switch ending {
            case .stay: break
            case .halfClose: outbound.finish()
            case .reset:
                try await (connection.channel.channel as! any SocketOptionProvider).setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
                try await connection.channel.channel.close()
                return Reply(raw: "", closedByServer: false)
            }
            return try await read(inbound, timeout: readTimeout)
        }
    }

    /// The samples of `/metrics`, read on a connection of its own (a test's kept-alive client may have been
    /// closed by the idle timeout it tests).
    package static func scrape(port: Int) async throws -> [String: Double] {
        let reply = try await exchange(port: port, ["GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"])
        return Exposition.samples(reply.body)
    }

    /// Everything the server sends until it closes, or until `timeout` (then what came so far).
    package static func read(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, timeout: Duration) async throws -> Reply {
        final class Received: Sendable { let text = Mutex("") }
        let received = Received()
        let closed = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    for try await buffer in inbound { received.text.withLock { $0 += String(buffer: buffer) } }
                } catch {
                    // A reset after the answer: what came before it is the reply.
                }
                return !Task.isCancelled
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return false
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        return Reply(raw: received.text.withLock { $0 }, closedByServer: closed)
    }
}
