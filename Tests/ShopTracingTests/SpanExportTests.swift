import CoreMetrics
import Foundation
import Logging
import ServiceLifecycle
import ShopTestSupport
import Synchronization
import Testing
import Tracing

@testable import ShopTracing

/// A counter the test can read.
final class Tally: CounterHandler, Sendable {
    private let value = Atomic<Int64>(0)
    func increment(by amount: Int64) { value.add(amount, ordering: .relaxed) }
    func reset() { value.store(0, ordering: .relaxed) }
    var count: Int64 { value.load(ordering: .relaxed) }
}

/// A tracer exporting to a fresh sink, its batcher running until `finish` shuts it down gracefully (so what
/// is queued is flushed) or the test ends.
final class ExportHarness: Sendable {
    let tracer: ShopTracer
    let sink: OTLPSink
    let exported = Tally(), queueFull = Tally(), failed = Tally()
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    private init(configuration: TracingConfiguration, sink: OTLPSink) throws {
        self.sink = sink
        let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let batcher = SpanBatcher(
            configuration: configuration, endpoint: try #require(configuration.endpoint),
            counters: .init(
                exported: Counter(label: "e", dimensions: [], handler: exported),
                droppedQueueFull: Counter(label: "q", dimensions: [], handler: queueFull),
                droppedExportFailed: Counter(label: "f", dimensions: [], handler: failed)),
            logger: quiet)
        tracer = ShopTracer(sampler: configuration.sampler, batcher: batcher)
        let group = ServiceGroup(configuration: .init(services: [batcher], logger: quiet))
        self.group = group
        running = Task { try await group.run() }
    }

    static func with(
        _ environment: [String: String] = [:], _ adjust: (inout TracingConfiguration) -> Void = { _ in }, _ body: (ExportHarness) async throws -> Void
    ) async throws {
        let sink = try await OTLPSink.start()
        defer { sink.stop() }
        var configuration = try TracingConfiguration(
            serviceName: "export-test", environment: environment.merging(["OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint]) { mine, _ in mine })
        configuration.scheduleDelay = .milliseconds(50)
        adjust(&configuration)
        let harness = try ExportHarness(configuration: configuration, sink: sink)
        do {
            try await body(harness)
            try await harness.finish()
        } catch {
            try? await harness.finish()
            throw error
        }
    }

    /// Shuts the batcher down gracefully and waits for it: everything queued has then been sent.
    func finish() async throws {
        await group.triggerGracefulShutdown()
        try await running.value
    }
}

@Suite("Tracer: export, read by the reference decoder")
struct SpanExportTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "card declined" }
    }

    @Test func everyPartOfASpanDecodesAsWritten() async throws {
        try await ExportHarness.with(["OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test"]) { harness in
            var incoming = ServiceContext.topLevel
            harness.tracer.extract(
                ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": "shop=1"], into: &incoming,
                using: DictionaryExtractor())
            let server = harness.tracer.startSpan("GET /x", context: incoming, ofKind: .server)
            server.attributes["text"] = "é ünïcode ✓"
            server.attributes["count"] = 42
            server.attributes["negative"] = -7
            server.attributes["ratio"] = 0.5
            server.attributes["flag"] = false
            server.attributes["zero"] = 0
            server.attributes["empty"] = ""
            server.attributes["names"] = ["a", "b"]
            server.attributes["numbers"] = [Int64(1), -2, Int64.max]
            server.attributes["smallest"] = Int64.min
            server.operationName = "GET /x/{id}"
            server.addEvent(SpanEvent(name: "cache miss", attributes: ["key": "product:1"]))
            server.recordError(Failure())
            let child = harness.tracer.startSpan("select products", context: server.context, ofKind: .client)
            child.setStatus(SpanStatus(code: .error, message: "timeout"))
            child.addLink(SpanLink(context: incoming, attributes: ["why": "batch"]))
            child.end()
            let crowded = harness.tracer.startSpan("crowded", context: .topLevel, ofKind: .internal)
            for index in 0..<140 { crowded.attributes["many.\(index)"] = index }
            crowded.end()
            server.end()
            server.attributes["after.end"] = 1  // ignored: the span has ended
            server.end()  // a second end exports nothing twice
            try await harness.finish()

            let spans = try await harness.sink.spans()
            #expect(spans.count == 3 && harness.exported.count == 3)
            let exportedServer = try #require(spans.first { $0.kind == 2 })
            #expect(exportedServer.name == "GET /x/{id}" && exportedServer.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(exportedServer.parent_span_id == "00f067aa0ba902b7" && exportedServer.trace_state == "shop=1" && exportedServer.flags == 1)
            #expect(exportedServer.start_ns > 1_700_000_000_000_000_000 && exportedServer.end_ns >= exportedServer.start_ns)
            let attributes = exportedServer.attributes
            #expect(attributes["text"] == .string("é ünïcode ✓") && attributes["count"] == .int(42) && attributes["negative"] == .int(-7))
            #expect(attributes["ratio"] == .double(0.5) && attributes["flag"] == .bool(false) && attributes["zero"] == .int(0))
            #expect(attributes["empty"] == .string("") && attributes["names"] == .array([.string("a"), .string("b")]))
            #expect(attributes["numbers"] == .array([.int(1), .int(-2), .int(Int(Int64.max))]) && attributes["smallest"] == .int(Int(Int64.min)))
            #expect(attributes["after.end"] == nil)
            #expect(attributes.count == 10 && exportedServer.dropped_attributes == 0)
            // 140 set, 128 kept: the rest are counted, as the specification's default limit asks.
            let exportedCrowded = try #require(spans.first { $0.name == "crowded" })
            #expect(exportedCrowded.attributes.count == 128 && exportedCrowded.dropped_attributes == 12 && exportedCrowded.parent_span_id.isEmpty)
            #expect(exportedServer.events.map(\.name) == ["cache miss", "exception"])
            #expect(exportedServer.events.first?.attributes["key"] == .string("product:1"))
            let exception = try #require(exportedServer.events.last)
            #expect(exception.attributes["exception.message"] == .string("card declined"))
            #expect(exception.attributes["exception.type"] == .string(String(reflecting: Failure.self)))
            #expect(exportedServer.status == 0)  // an error event alone leaves the status to the caller
            #expect(exportedServer.resource["service.name"] == .string("export-test"))
            #expect(exportedServer.resource["deployment.environment"] == .string("test") && exportedServer.scope == "shop")

            let exportedChild = try #require(spans.first { $0.kind == 3 })
            #expect(exportedChild.parent_span_id == exportedServer.span_id && exportedChild.trace_id == exportedServer.trace_id)
            #expect(exportedChild.status == 2 && exportedChild.status_message == "timeout")
            #expect(exportedChild.links.count == 1 && exportedChild.links.first?.span_id == "00f067aa0ba902b7")
            #expect(exportedChild.links.first?.attributes["why"] == .string("batch") && exportedChild.links.first?.trace_state == "shop=1")
        }
    }

    @Test func unsampledSpansArePropagatedAndNeverExported() async throws {
        try await ExportHarness.with(["OTEL_TRACES_SAMPLER": "parentbased_always_off"]) { harness in
            let root = harness.tracer.startSpan("root", context: .topLevel, ofKind: .server)
            #expect(!root.isRecording)
            var headers: [String: String] = [:]
            harness.tracer.inject(root.context, into: &headers, using: DictionaryInjector())
            #expect(headers["traceparent"]?.hasSuffix("-00") == true)
            var sampledCaller = ServiceContext.topLevel
            harness.tracer.extract(
                ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"], into: &sampledCaller, using: DictionaryExtractor())
            let continued = harness.tracer.startSpan("continued", context: sampledCaller, ofKind: .server)
            #expect(continued.isRecording)
            root.end()
            continued.end()
            try await harness.finish()
            #expect(try await harness.sink.spans().map(\.name) == ["continued"])
        }
    }

    /// Batches of the configured size leave as soon as they fill, long before the schedule delay.
    @Test func fullBatchesLeaveAtOnceAndEveryEndedSpanArrivesOnce() async throws {
        try await ExportHarness.with(
            ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "100", "OTEL_BSP_MAX_QUEUE_SIZE": "100000"], { $0.scheduleDelay = .seconds(3600) }
        ) { harness in
            let spans = 1_050
            await withTaskGroup(of: Void.self) { group in
                for task in 0..<6 {
                    group.addTask {
                        for index in stride(from: task, to: spans, by: 6) {
                            harness.tracer.startSpan("span \(index)", context: .topLevel, ofKind: .internal).end()
                        }
                    }
                }
            }
            // Whatever is queued leaves when a batch fills, so less than one batch (100) waits for the hour.
            let deadline = ContinuousClock.now + .seconds(15)
            while try await harness.sink.counts().spans <= spans - 100, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let counts = try await harness.sink.counts()
            #expect(counts.spans > spans - 100, "\(counts.spans) spans in \(counts.requests) exports")
            try await harness.finish()
            let names = try await harness.sink.spans().map(\.name)
            #expect(names.count == spans && Set(names).count == spans)
            #expect(harness.exported.count == Int64(spans) && harness.queueFull.count == 0)
        }
    }

    @Test func aFullQueueDropsAndCountsWhatItCannotHold() async throws {
        try await ExportHarness.with(["OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10", "OTEL_BSP_MAX_QUEUE_SIZE": "10"]) { harness in
            // The receiver stalls every export for a while, so the queue fills behind it.
            try await harness.sink.failNext(1, status: 503, retryAfter: 1)
            for index in 0..<500 { harness.tracer.startSpan("span \(index)", context: .topLevel, ofKind: .internal).end() }
            try await harness.finish()
            let received = try await harness.sink.spans().count
            #expect(harness.queueFull.count > 0)
            #expect(Int64(received) == harness.exported.count && harness.exported.count + harness.queueFull.count + harness.failed.count == 500)
        }
    }

    @Test func retryableAnswersAreRetriedAndTheBatchArrivesOnce() async throws {
        try await ExportHarness.with { harness in
            try await harness.sink.failNext(3, status: 503)
            for index in 0..<20 { harness.tracer.startSpan("span \(index)", context: .topLevel, ofKind: .internal).end() }
            let spans = try await harness.sink.spans { $0.count >= 20 }
            #expect(spans.count == 20 && Set(spans.map(\.name)).count == 20)
            #expect(try await harness.sink.counts().requests == 4)  // three refused, one accepted
        }
    }

    @Test func aBatchRefusedForGoodIsCountedAndNotRetried() async throws {
        try await ExportHarness.with { harness in
            try await harness.sink.failNext(1, status: 400)
            for index in 0..<5 { harness.tracer.startSpan("span \(index)", context: .topLevel, ofKind: .internal).end() }
            let deadline = ContinuousClock.now + .seconds(10)
            while harness.failed.count < 5, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(harness.failed.count == 5 && harness.exported.count == 0)
            harness.tracer.startSpan("after", context: .topLevel, ofKind: .internal).end()
            try await harness.finish()
            #expect(try await harness.sink.spans().map(\.name) == ["after"])
            #expect(try await harness.sink.counts().requests == 2)
        }
    }

    @Test func aReceiverThatNeverAnswersInTimeCostsTheBatchNotTheService() async throws {
        try await ExportHarness.with(["OTEL_BSP_EXPORT_TIMEOUT": "1500"]) { harness in
            try await harness.sink.failNext(1_000, status: 503, retryAfter: 1)
            for index in 0..<5 { harness.tracer.startSpan("span \(index)", context: .topLevel, ofKind: .internal).end() }
            let deadline = ContinuousClock.now + .seconds(10)
            while harness.failed.count < 5, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(harness.failed.count == 5)
            let attempts = try await harness.sink.counts().requests
            #expect((1...3).contains(attempts), "\(attempts) attempts in 1.5 s with Retry-After: 1")
        }
    }

    @Test func spansEndedJustBeforeShutdownAreSentByIt() async throws {
        try await ExportHarness.with([:], { $0.scheduleDelay = .seconds(3600) }) { harness in
            for index in 0..<7 { harness.tracer.startSpan("last \(index)", context: .topLevel, ofKind: .internal).end() }
            #expect(try await harness.sink.counts().spans == 0)
            try await harness.finish()
            #expect(try await harness.sink.spans().count == 7)
        }
    }

    @Test func theConfiguredHeadersGoWithEveryExport() async throws {
        try await ExportHarness.with(["OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20s3cret,x-tenant=shop"]) { harness in
            harness.tracer.startSpan("one", context: .topLevel, ofKind: .internal).end()
            try await harness.finish()
            let headers = try await harness.sink.lastHeaders()
            #expect(headers["authorization"] == "Bearer s3cret" && headers["x-tenant"] == "shop")
            #expect(headers["content-type"] == "application/x-protobuf")
        }
    }
}
