import AsyncHTTPClient
import Foundation
import NIOCore
import ShopTestSupport
import Testing

/// What shop-api exports, read by the reference decoder: the real executable exports over OTLP/HTTP
/// protobuf (its default) to `benchmarks/otlp-sink.py`, which decodes with opentelemetry-proto (PyPI), so a
/// span this product encodes wrongly (ids, parent links, kinds, attributes) fails here, not in a collector.
@Suite("Span export")
struct SpanExportTests {
    struct Span: Decodable {
        let name: String
        let kind: Int
        let trace_id, span_id, parent_span_id: String
        let status: Int
        let start_ns, end_ns: UInt64
        let attributes: [String: Attribute]
    }

    enum Attribute: Decodable, Equatable {
        case string(String), int(Int), other

        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let int = try? value.decode(Int.self) { self = .int(int) } else if let string = try? value.decode(String.self) { self = .string(string) } else { self = .other }
        }
    }

    /// The sink on a free port, for the duration of `body`.
    static func withSink<Result>(_ body: (Int) async throws -> Result) async throws -> Result {
        let port = try TestTools.freePort()
        let sink = Process()
        sink.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sink.arguments = ["python3", "benchmarks/otlp-sink.py", "\(port)"]
        let exit = try ProcessExit.launch(sink)
        defer { if !exit.hasExited { kill(sink.processIdentifier, SIGKILL) } }
        for _ in 0..<100 {
            if (try? await HTTPClient.shared.get(url: "http://127.0.0.1:\(port)/spans").get())?.status == .ok { return try await body(port) }
            guard !exit.hasExited else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSupportError("the OTLP sink did not start (is opentelemetry-proto installed? scripts/test installs it)")
    }

    static func spans(_ port: Int) async throws -> [Span] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/spans.json"), timeout: .seconds(10))
        return try JSONDecoder().decode([Span].self, from: Data(buffer: try await response.body.collect(upTo: 64 << 20)))
    }

    @Test func anOrdersSpansDecodeWithTheReferenceSchemaAndLinkUp() async throws {
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736", callerSpan = "00f067aa0ba902b7"
        try await Self.withSink { sinkPort in
            try await withTemporaryDirectory { directory in
                let api = try await ShopAPIProcess(
                    ["--data-dir", directory, "--demo-catalog", "20", "--rate-limits", "off"],
                    environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(sinkPort)", "OTEL_BSP_SCHEDULE_DELAY": "100"])
                defer { Task { await api.stop() } }
                var request = HTTPClientRequest(url: api.baseURL + "/v1/orders")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(try await ShopAPIProcess.token("tracer"))")
                request.headers.add(name: "Content-Type", value: "application/json")
                request.headers.add(name: "traceparent", value: "00-\(traceID)-\(callerSpan)-01")
                request.body = .bytes(ByteBuffer(string: #"{"items":[{"sku":"SKU-00001","quantity":1}]}"#))
                #expect(try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status == .created)

                let expected: Set<String> = ["POST /v1/orders", "update inventory", "settle payment", "POST /v1/authorizations", "/v1/authorizations"]
                var spans: [Span] = []
                let deadline = ContinuousClock.now + .seconds(15)
                while ContinuousClock.now < deadline {
                    spans = try await Self.spans(sinkPort).filter { $0.trace_id == traceID }
                    if expected.isSubset(of: Set(spans.map(\.name))) { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                await api.stop()
                let names = spans.map(\.name)
                let server = try #require(spans.first { $0.name == "POST /v1/orders" }, "spans: \(names)")
                #expect(server.parent_span_id == callerSpan && server.kind == 2)  // SPAN_KIND_SERVER
                #expect(server.attributes["http.request.method"] == .string("POST") && server.attributes["http.route"] == .string("/v1/orders"))
                #expect(server.attributes["http.response.status_code"] == .int(201) && server.status != 2)  // not STATUS_CODE_ERROR
                #expect(server.span_id.count == 16 && server.end_ns > server.start_ns)
                let statement = try #require(spans.first { $0.name == "update inventory" && $0.parent_span_id == server.span_id }, "spans: \(names)")
                #expect(statement.kind == 3 && statement.attributes["db.system.name"] == .string("sqlite"))  // SPAN_KIND_CLIENT
                #expect(statement.start_ns >= server.start_ns && statement.end_ns <= server.end_ns)
                let settle = try #require(spans.first { $0.name == "settle payment" }, "spans: \(names)")
                #expect(settle.kind == 5 && settle.attributes["shop.payment.attempt"] == .int(1))  // SPAN_KIND_CONSUMER
                if case .string(let payment)? = settle.attributes["shop.payment.id"] { #expect(!payment.isEmpty) } else { Issue.record("no shop.payment.id") }
                let authorize = try #require(spans.first { $0.name == "POST /v1/authorizations" && $0.parent_span_id == settle.span_id }, "spans: \(names)")
                #expect(authorize.kind == 3 && authorize.attributes["http.response.status_code"] == .int(201))
                let gateway = try #require(spans.first { $0.name == "/v1/authorizations" }, "spans: \(names)")
                #expect(gateway.parent_span_id == authorize.span_id && gateway.kind == 2)
                #expect(Set(spans.map(\.span_id)).count == spans.count, "a span id used twice")
            }
        }
    }
}
