import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ShopAPITestSupport
import ShopTestSupport
import Testing

/// What shop-api exports, read by the reference decoder: the real executable exports over OTLP/HTTP
/// protobuf (its default) to `benchmarks/otlp-sink.py`, which decodes with opentelemetry-proto (PyPI), so a
/// span this product encodes wrongly (ids, parent links, kinds, attributes) fails here, not in a collector.
@Suite("Span export")
struct SpanExportTests {
    @Test func anOrdersSpansDecodeWithTheReferenceSchemaAndLinkUp() async throws {
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736", callerSpan = "00f067aa0ba902b7"
        let sink = try await OTLPSink.start()
        defer { sink.stop() }
        try await withTemporaryDirectory { directory in
            let api = try await ShopAPIProcess(
                ["--data-dir", directory, "--demo-catalog", "20", "--rate-limits", "off"],
                environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"])
            defer { Task { await api.stop() } }
            var request = HTTPClientRequest(url: api.baseURL + "/v1/orders")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(try await ShopAPIProcess.token("tracer"))")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "traceparent", value: "00-\(traceID)-\(callerSpan)-01")
            request.headers.add(name: "tracestate", value: "vendor=abc,other=x1")
            request.body = .bytes(ByteBuffer(string: #"{"items":[{"sku":"SKU-00001","quantity":1}]}"#))
            #expect(try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status == .created)

            let expected: Set<String> = ["POST /v1/orders", "update inventory", "settle payment", "POST /v1/authorizations", "/v1/authorizations"]
            let spans = try await sink.spans { expected.isSubset(of: Set($0.filter { $0.trace_id == traceID }.map(\.name))) }
                .filter { $0.trace_id == traceID }
            await api.stop()
            let names = spans.map(\.name)
            let server = try #require(spans.first { $0.name == "POST /v1/orders" }, "spans: \(names)")
            #expect(server.parent_span_id == callerSpan && server.kind == 2)  // SPAN_KIND_SERVER
            #expect(server.attributes["http.request.method"] == .string("POST") && server.attributes["http.route"] == .string("/v1/orders"))
            #expect(server.attributes["http.response.status_code"] == .int(201) && server.status != 2)  // not STATUS_CODE_ERROR
            #expect(server.span_id.count == 16 && server.end_ns > server.start_ns)
            #expect(server.trace_state == "vendor=abc,other=x1" && server.flags & 0xFF == 1)
            #expect(server.resource["service.name"] == .string("shop-api") && server.scope == "shop-api")
            let statement = try #require(spans.first { $0.name == "update inventory" && $0.parent_span_id == server.span_id }, "spans: \(names)")
            #expect(statement.kind == 3 && statement.attributes["db.system.name"] == .string("sqlite"))  // SPAN_KIND_CLIENT
            #expect(statement.start_ns >= server.start_ns && statement.end_ns <= server.end_ns)
            let settle = try #require(spans.first { $0.name == "settle payment" }, "spans: \(names)")
            #expect(settle.kind == 5 && settle.attributes["shop.payment.attempt"] == .int(1))  // SPAN_KIND_CONSUMER
            if case .string(let payment)? = settle.attributes["shop.payment.id"] {
                #expect(!payment.isEmpty)
            } else {
                Issue.record("no shop.payment.id")
            }
            let authorize = try #require(
                spans.first { $0.name == "POST /v1/authorizations" && $0.parent_span_id == settle.span_id }, "spans: \(names)")
            #expect(authorize.kind == 3 && authorize.attributes["http.response.status_code"] == .int(201))
            let gateway = try #require(spans.first { $0.name == "/v1/authorizations" }, "spans: \(names)")
            #expect(gateway.parent_span_id == authorize.span_id && gateway.kind == 2)
            #expect(Set(spans.map(\.span_id)).count == spans.count, "a span id used twice")
        }
    }
}
