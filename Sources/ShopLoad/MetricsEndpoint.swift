import Hummingbird
import Logging
import NIOCore

/// The HTTP server behind `--metrics-port`: `GET /metrics` in Prometheus's text format, from the moment
/// the run starts until `stop()`.
final class MetricsEndpoint: Sendable {
    private let server: Task<Void, any Error>

    private init(server: Task<Void, any Error>) { self.server = server }

    /// Listening once this returns; throws (address in use, say) if it cannot.
    static func start(_ metrics: LiveMetrics, host: String, port: Int) async throws -> MetricsEndpoint {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.render())))
        }
        var logger = Logger(label: "shop-load.metrics")
        logger.logLevel = .critical
        let (events, listening) = AsyncStream.makeStream(of: Result<Void, LoadRunError>.self)
        let server = Task<Void, any Error> {
            let app = Application(
                router: router, configuration: .init(address: .hostname(host, port: port), serverName: "shop-load"),
                onServerRunning: { _ in listening.yield(.success(())) }, logger: logger)
            do {
                try await app.runService(gracefulShutdownSignals: [])
                listening.yield(.failure(LoadRunError("--metrics-port \(port): the server ended before it listened")))
            } catch {
                listening.yield(.failure(LoadRunError("--metrics-port \(port): \(error)")))
                throw error
            }
        }
        for await event in events {
            try event.get()
            break
        }
        return MetricsEndpoint(server: server)
    }

    /// Stops listening.
    func stop() async {
        server.cancel()
        _ = await server.result
    }
}
