import Hummingbird
import Logging
import NIOCore

/// The HTTP server behind `--metrics-port`: `GET /metrics` in Prometheus's text format, from the moment
/// the run starts until `stop()`.
final class MetricsEndpoint: Sendable {
    private let server: Task<Void, any Error>
    /// The port it listens on: the one asked for, or the one the system chose for port 0.
    let port: Int

    private init(server: Task<Void, any Error>, port: Int) {
        self.server = server
        self.port = port
    }

    /// Listening once this returns; throws (address in use, say) if it cannot. Port 0 takes any free one.
    static func start(_ metrics: LiveMetrics, host: String, port: Int) async throws -> MetricsEndpoint {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        var logger = Logger(label: "shop-load.metrics")
        logger.logLevel = .critical
        let (events, listening) = AsyncStream.makeStream(of: Result<Int, LoadRunError>.self)
        let ended = LoadRunError("--metrics-port \(port): the server ended before it listened")
        let server = Task<Void, any Error> {
            let app = Application(
                router: router, configuration: .init(address: .hostname(host, port: port), serverName: "shop-load"),
                onServerRunning: { channel in listening.yield(.success(channel.localAddress?.port ?? port)) }, logger: logger)
            do {
                try await app.runService(gracefulShutdownSignals: [])
                listening.yield(.failure(ended))
            } catch {
                listening.yield(.failure(LoadRunError("--metrics-port \(port): \(error)")))
                throw error
            }
        }
        for await event in events {
            return MetricsEndpoint(server: server, port: try event.get())
        }
        throw ended
    }

    /// Stops listening.
    func stop() async {
        server.cancel()
        _ = await server.result
    }
}
