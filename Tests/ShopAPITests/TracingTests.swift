import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONLogging
import Logging
import Metrics
import PaymentGateway
import ServiceLifecycle
import ShopAPI
import ShopAPITestSupport
import ShopDomain
import ShopTestSupport
import ShopTracing
import Testing
import Tracing

/// The tracer of this test process, bootstrapped once (the tracing system is process-wide, as `main` makes
/// it), exporting to an OTLP sink whose spans the reference decoder reads.
enum TestTracing {
    static let shared: Task<OTLPSink, any Error> = Task {
        let sink = try await OTLPSink.start()
        var configuration = TracingConfiguration(serviceName: "shop-api-test")
        configuration.scheduleDelay = .milliseconds(100)
        // The tracer is global: once bootstrapped, every suite running at the same time records spans too.
        // The default queue (2,048) would drop some of this test's among them.
        configuration.maxQueueSize = 1_000_000
        configuration.maxExportBatchSize = 50_000
        let batcher = SpanBatcher(
            configuration: configuration, endpoint: URL(string: sink.endpoint + "/v1/traces")!,
            counters: .init(
                exported: Counter(label: "exported"), droppedQueueFull: Counter(label: "full"), droppedExportFailed: Counter(label: "failed")),
            logger: quietLogger)
        InstrumentationSystem.bootstrap(ShopTracer(sampler: .default, batcher: batcher))
        Task { try await ServiceGroup(configuration: .init(services: [batcher], logger: quietLogger)).run() }
        return sink
    }
}

@Suite("Tracing")
struct TracingTests {
    @Test func aTraceparentIsContinuedThroughTheServerTheDatabaseAndTheGateway() async throws {
        let exportSink = try await TestTracing.shared.value
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
        let callerSpan = "00f067aa0ba902b7"
        let sink = LogSink.memory()
        let logger = Logger(label: "shop-api") { label in
            JSONLogHandler(label: label, service: "shop-api", level: .info, sink: sink, metadataProvider: ShopTracer.loggingMetadataProvider)
        }
        let token = try await TestApp.token("alice", .customer)
        try await withSandbox { sandbox, url in
            try await TestApp.run(
                logger: logger,
                configure: {
                    $0.paymentGatewayURL = url
                    $0.logLevel = .info
                }
            ) { client in
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
        // A parent ends after its children, so it may come in a later export: wait for every span asserted on.
        let expected: Set<String> = ["POST /v1/orders", "update inventory", "settle payment", "POST /v1/authorizations", "/v1/authorizations"]
        let spans = try await exportSink.spans { (spans: [ExportedSpan]) in
            expected.isSubset(of: Set(spans.filter { $0.trace_id == traceID }.map(\.name)))
        }
        .filter { $0.trace_id == traceID }
        let server = try #require(spans.first { $0.name == "POST /v1/orders" }, "spans: \(spans.map(\.name))")
        #expect(server.parent_span_id == callerSpan)
        #expect(server.kind == 2)  // SERVER
        let statements = spans.filter { $0.name == "update inventory" && $0.parent_span_id == server.span_id }
        #expect(!statements.isEmpty, "no database span under the server span: \(spans.map(\.name))")
        let settle = try #require(spans.first { $0.name == "settle payment" })
        let authorize = try #require(spans.first { $0.name == "POST /v1/authorizations" })
        #expect(authorize.parent_span_id == settle.span_id && authorize.kind == 3)  // CLIENT
        let gateway = try #require(spans.first { $0.name == "/v1/authorizations" }, "spans: \(spans.map(\.name))")
        #expect(gateway.parent_span_id == authorize.span_id && gateway.kind == 2)
    }

    /// A rehearsal's request (`baggage: synthetic=true`, among other members and properties) is counted under
    /// `synthetic="true"`, its access line says `synthetic: true` and its span carries `shop.synthetic`; a
    /// customer's request, or a baggage saying anything else, is none of these.
    @Test func aSyntheticRequestIsCountedLoggedAndTracedAsSuch() async throws {
        let exportSink = try await TestTracing.shared.value
        let sink = LogSink.memory()
        let logger = Logger(label: "shop-api") { label in
            JSONLogHandler(label: label, service: "shop-api", level: .info, sink: sink, metadataProvider: ShopTracer.loggingMetadataProvider)
        }
        let traceID = "5bf92f3577b34da6a3ce929d0e0e4799"
        let baggage = HTTPField.Name("baggage")!, traceparent = HTTPField.Name("traceparent")!
        try await TestApp.run(logger: logger, configure: { $0.logLevel = .info }) { client in
            _ = try await client.send(
                .get, "/v1/products/SKU-00001",
                headers: [baggage: "tenant=a, synthetic = true;source=shop-load", traceparent: "00-\(traceID)-00f067aa0ba902b7-01"])
            _ = try await client.send(.get, "/v1/products/SKU-00001", headers: [baggage: "synthetic=false"])
            _ = try await client.send(.get, "/v1/products/SKU-00001")
            let samples = try await MetricsTests.scrape(client)
            #expect(samples[MetricsTests.count("GET", "/v1/products/{sku}", 200, synthetic: true)] == 1)
            #expect(samples[MetricsTests.count("GET", "/v1/products/{sku}", 200)] == 2)
        }
        let access = try LogLines.objects(sink).filter { $0["message"] as? String == "request" && $0["path"] as? String == "/v1/products/SKU-00001" }
        #expect(access.map { $0["synthetic"] as? Bool } == [true, nil, nil])
        let spans = try await exportSink.spans { (spans: [ExportedSpan]) in spans.contains { $0.trace_id == traceID } }
        let server = try #require(spans.first { $0.trace_id == traceID && $0.kind == 2 })
        #expect(server.attributes["shop.synthetic"] == .bool(true))
    }
}
