import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONLogging
import Logging
import OTel
import ServiceLifecycle
import ShopAPI
import ShopDomain
import ShopTestSupport
import Synchronization
import Testing
import Tracing

/// An OTLP/HTTP receiver (JSON encoding) for this test process, and the tracer bootstrapped to export to it.
/// Bootstrapped once: the tracing system is process-wide, as `main` makes it.
final class TestTracing: Sendable {
    struct ReceivedSpan: Equatable {
        let traceID: String
        let spanID: String
        let parentSpanID: String
        let name: String
        let kind: Int
    }

    private let spans = Mutex<[ReceivedSpan]>([])

    static let shared: Task<TestTracing, any Error> = Task {
        let tracing = TestTracing()
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            tracing.receive(Data(buffer: body))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let receiver = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { port.yield($0.localAddress?.port ?? 0) }, logger: quietLogger)

        var configuration = OTel.Configuration.default
        configuration.serviceName = "shop-api-test"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.diagnosticLogLevel = .error
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpJSON
        configuration.traces.batchSpanProcessor.scheduleDelay = .milliseconds(100)
        // The tracer is global: once bootstrapped, every suite running at the same time records spans too.
        // The default queue (2,048) would drop some of this test's among them.
        configuration.traces.batchSpanProcessor.maxQueueSize = 1_000_000
        configuration.traces.batchSpanProcessor.maxExportBatchSize = 50_000
        var iterator = ports.makeAsyncIterator()
        Task { try await ServiceGroup(configuration: .init(services: [receiver], logger: quietLogger)).run() }
        guard let bound = await iterator.next() else { throw CancellationError() }
        configuration.traces.otlpExporter.endpoint = "http://127.0.0.1:\(bound)/v1/traces"
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        Task { try await ServiceGroup(configuration: .init(services: [service], logger: quietLogger)).run() }
        return tracing
    }

    /// Every span received so far for `traceID` (lower-case hex).
    func spans(of traceID: String) -> [ReceivedSpan] {
        spans.withLock { $0.filter { $0.traceID == traceID } }
    }

    private func receive(_ data: Data) {
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        var received: [ReceivedSpan] = []
        for resource in json["resourceSpans"] as? [[String: Any]] ?? [] {
            for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    received.append(ReceivedSpan(
                        traceID: Self.hex(span["traceId"]), spanID: Self.hex(span["spanId"]), parentSpanID: Self.hex(span["parentSpanId"]),
                        name: span["name"] as? String ?? "", kind: (span["kind"] as? NSNumber)?.intValue ?? 0))
                }
            }
        }
        spans.withLock { $0 += received }
    }

    /// OTLP/JSON ids: hex per the specification, base64 as SwiftProtobuf writes bytes; both read as hex.
    static func hex(_ value: Any?) -> String {
        guard let string = value as? String, !string.isEmpty else { return "" }
        if string.count == 32 || string.count == 16, string.allSatisfy(\.isHexDigit) { return string.lowercased() }
        guard let data = Data(base64Encoded: string) else { return string }
        return data.map { String(format: "%02x", $0) }.joined()
    }
}

@Suite("Tracing")
struct TracingTests {
    @Test func aTraceparentIsContinuedThroughTheServerTheDatabaseAndTheGateway() async throws {
        let tracing = try await TestTracing.shared.value
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let callerSpan = "00f067aa0ba902b7"
        let sink = LogSink.memory()
        let logger = Logger(label: "shop-api") { label in
            JSONLogHandler(label: label, service: "shop-api", level: .info, sink: sink, metadataProvider: OTel.makeLoggingMetadataProvider())
        }
        let token = try await TestApp.token("alice", .customer)
        try await withSandbox { sandbox, url in
            try await TestApp.run(logger: logger, configure: {
                $0.paymentGatewayURL = url
                $0.logLevel = .info
            }) { client in
                let response = try await client.send(
                    .post, "/v1/orders", token: token, json: orderJSON(("SKU-00001", 1)),
                    headers: [HTTPField.Name("traceparent")!: "00-\(traceID)-\(callerSpan)-01"])
                #expect(response.status == .created)
                #expect(response.headers[HTTPField.Name("traceresponse")!]?.hasPrefix("00-\(traceID)-") == true)
                let id = try #require(try response.json["id"]?.string)
                _ = try await client.eventually("/v1/orders/\(id)/payment", token: token) { $0["status"]?.string == "captured" }

                // (a) the access line of the request carries its trace id.
                let access = sink.lines.filter { $0.contains("\"message\":\"request\"") && $0.contains("\"path\":\"/v1/orders\"") }
                #expect(access.contains { $0.contains("\"trace_id\":\"\(traceID)\"") })
                // (b) the gateway heard the same trace, from a span of its own.
                let heard = try #require(sandbox.receivedTraceParents.last)
                #expect(heard.hasPrefix("00-\(traceID)-") && !heard.contains(callerSpan))
                #expect(!heard.contains(","), "more than one traceparent: \(heard)")
            }
        }

        // (c) the exported spans link up: caller → server → database; server trace → settlement → gateway client → gateway server.
        var spans: [TestTracing.ReceivedSpan] = []
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while ContinuousClock.now < deadline {
            spans = tracing.spans(of: traceID)
            // A parent ends after its children, so it may come in a later export: wait for every span asserted on.
            let expected: Set<String> = ["POST /v1/orders", "update inventory", "settle payment", "POST /v1/authorizations", "/v1/authorizations"]
            if expected.isSubset(of: Set(spans.map(\.name))) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let server = try #require(spans.first { $0.name == "POST /v1/orders" }, "spans: \(spans.map(\.name))")
        #expect(server.parentSpanID == callerSpan)
        #expect(server.kind == 2)  // SERVER
        let statements = spans.filter { $0.name == "update inventory" && $0.parentSpanID == server.spanID }
        #expect(!statements.isEmpty, "no database span under the server span: \(spans.map(\.name))")
        let settle = try #require(spans.first { $0.name == "settle payment" })
        let authorize = try #require(spans.first { $0.name == "POST /v1/authorizations" })
        #expect(authorize.parentSpanID == settle.spanID && authorize.kind == 3)  // CLIENT
        let gateway = try #require(spans.first { $0.name == "/v1/authorizations" }, "spans: \(spans.map(\.name))")
        #expect(gateway.parentSpanID == authorize.spanID && gateway.kind == 2)
    }
}
