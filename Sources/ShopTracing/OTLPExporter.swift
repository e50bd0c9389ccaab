import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Posts encoded batches to an OTLP/HTTP receiver, retrying what the specification calls retryable
/// (429, 502, 503, 504 and failed connections) with exponential backoff and jitter, `Retry-After` honoured,
/// until the batch's time is up.
struct OTLPExporter: Sendable {
    let endpoint: URL
    let headers: [TracingConfiguration.Attribute]
    let timeout: Duration
    let client: HTTPClient

    enum Outcome: Equatable {
        case sent
        case retry(after: Duration?, reason: String)
        case refused(String)
    }

    init(configuration: TracingConfiguration, endpoint: URL) {
        self.endpoint = endpoint
        headers = configuration.headers
        timeout = configuration.exportTimeout
        var clientConfiguration = HTTPClient.Configuration()
        // Exporting must not itself be traced: each export would make spans to export.
        clientConfiguration.tracing.tracer = nil
        clientConfiguration.timeout = .init(connect: .seconds(5))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }

    /// Sends `body` until it is accepted, refused for good, or `deadline` passes; what happened last.
    func export(_ body: [UInt8], until deadline: ContinuousClock.Instant) async -> Outcome {
        var backoffMilliseconds = 100
        while true {
            let outcome = await post(body, until: deadline)
            guard case .retry(let after, _) = outcome else { return outcome }
            // Full jitter over the current step, and never past the batch's deadline.
            let wait = min(after ?? .milliseconds(Int.random(in: 1...backoffMilliseconds)), .seconds(30))
            guard ContinuousClock.now + wait < deadline, !Task.isCancelled else { return outcome }
            try? await Task.sleep(for: wait)
            backoffMilliseconds = min(backoffMilliseconds * 2, 5_000)
        }
    }

    private func post(_ body: [UInt8], until deadline: ContinuousClock.Instant) async -> Outcome {
        var request = HTTPClientRequest(url: endpoint.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        request.headers.add(name: "User-Agent", value: "shop-tracing")
        for header in headers { request.headers.replaceOrAdd(name: header.key, value: header.value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let remaining = ContinuousClock.now.duration(to: deadline)
        let timeout = min(self.timeout, max(remaining, .milliseconds(1)))
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout / .nanoseconds(1))))
            // The body is small (a partial-success message at most); read it so the connection is reused.
            let answer = try await response.body.collect(upTo: 64 << 10)
            switch response.status.code {
            case 200..<300: return .sent
            case 429, 502, 503, 504:
                let after = response.headers.first(name: "Retry-After").flatMap { Int($0) }.map { Duration.seconds(max(0, $0)) }
                return .retry(after: after, reason: "HTTP \(response.status.code)")
            default:
                return .refused("HTTP \(response.status.code): \(String(buffer: answer).prefix(200))")
            }
        } catch {
            return .retry(after: nil, reason: "\(error)")
        }
    }

    func shutdown() async {
        try? await client.shutdown()
    }
}
