import Logging
@testable import ShopAPI
import Testing
import Tracing

@Suite("Propagating tracer")
struct PropagatingTracerTests {
    @Test func freshIDsAreNonZeroAndDistinct() {
        let ids = (0..<10_000).map { _ in PropagatingTracer.nextID() }
        #expect(Set(ids).count == ids.count && !ids.contains(0))
        // Spread over all 64 bits, not a counter: every bit is set in some id and clear in another.
        #expect(ids.reduce(0, |) == .max && ids.reduce(.max, &) == 0)
    }

    struct DictionaryExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
    }

    struct DictionaryInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    }

    @Test func traceparentHeadersAreParsedStrictly() {
        let good = PropagatingTracer.TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(good?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && good?.spanID == "00f067aa0ba902b7")
        #expect(good?.header == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        for bad in [
            "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
        ] {
            #expect(PropagatingTracer.TraceParent(header: bad) == nil, "\(bad)")
        }
    }

    @Test func aSpanContinuesTheCallersTraceUnderANewSpanIDAndIsPassedOn() {
        let tracer = PropagatingTracer()
        var context = ServiceContext.topLevel
        tracer.extract(["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"], into: &context, using: DictionaryExtractor())
        let span = tracer.startSpan("GET /x", context: context, ofKind: .server)
        var outgoing: [String: String] = [:]
        tracer.inject(span.context, into: &outgoing, using: DictionaryInjector())
        let sent = PropagatingTracer.TraceParent(header: outgoing["traceparent"] ?? "")
        #expect(sent?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(sent?.spanID != "00f067aa0ba902b7" && sent?.spanID.count == 16)
        #expect(!span.isRecording)

        let root = tracer.startSpan("GET /y", context: .topLevel, ofKind: .server)
        var rootHeaders: [String: String] = [:]
        tracer.inject(root.context, into: &rootHeaders, using: DictionaryInjector())
        let started = PropagatingTracer.TraceParent(header: rootHeaders["traceparent"] ?? "")
        #expect(started != nil && started?.traceID != sent?.traceID)
    }

    @Test func logsInsideASpanCarryItsIDs() {
        let tracer = PropagatingTracer()
        let span = tracer.startSpan("work", context: .topLevel, ofKind: .internal)
        let metadata = ServiceContext.withValue(span.context) { PropagatingTracer.loggingMetadataProvider.get() }
        var headers: [String: String] = [:]
        tracer.inject(span.context, into: &headers, using: DictionaryInjector())
        let parent = PropagatingTracer.TraceParent(header: headers["traceparent"] ?? "")
        #expect(metadata["trace_id"] == "\(parent?.traceID ?? "?")" && metadata["span_id"] == "\(parent?.spanID ?? "?")")
        #expect(ServiceContext.withValue(.topLevel) { PropagatingTracer.loggingMetadataProvider.get() }.isEmpty)
    }
}
