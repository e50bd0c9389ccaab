import Logging
import Testing
import Tracing

@testable import ShopTracing

@Suite("Tracer: propagation")
struct ShopTracerTests {
    @Test func freshIDsAreNonZeroAndDistinct() {
        let ids = (0..<10_000).map { _ in ShopTracer.nextID() }
        #expect(Set(ids).count == ids.count && !ids.contains(0))
        // Spread over all 64 bits, not a counter: every bit is set in some id and clear in another.
        #expect(ids.reduce(0, |) == .max && ids.reduce(.max, &) == 0)
    }

    @Test func traceparentHeadersAreParsedStrictly() {
        let good = TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        #expect(good?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && good?.spanID == "00f067aa0ba902b7")
        #expect(good?.header == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        for bad in [
            "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x",
        ] {
            #expect(TraceParent(header: bad) == nil, "\(bad)")
        }
    }

    @Test func aSpanContinuesTheCallersTraceUnderANewSpanIDAndIsPassedOn() {
        let tracer = ShopTracer()
        var context = ServiceContext.topLevel
        tracer.extract(["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"], into: &context, using: DictionaryExtractor())
        let span = tracer.startSpan("GET /x", context: context, ofKind: .server)
        var outgoing: [String: String] = [:]
        tracer.inject(span.context, into: &outgoing, using: DictionaryInjector())
        let sent = TraceParent(header: outgoing["traceparent"] ?? "")
        #expect(sent?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(sent?.spanID != "00f067aa0ba902b7" && sent?.spanID.count == 16)
        #expect(!span.isRecording)

        let root = tracer.startSpan("GET /y", context: .topLevel, ofKind: .server)
        var rootHeaders: [String: String] = [:]
        tracer.inject(root.context, into: &rootHeaders, using: DictionaryInjector())
        let started = TraceParent(header: rootHeaders["traceparent"] ?? "")
        #expect(started != nil && started?.traceID != sent?.traceID)
    }

    @Test func logsInsideASpanCarryItsIDs() {
        let tracer = ShopTracer()
        let span = tracer.startSpan("work", context: .topLevel, ofKind: .internal)
        let metadata = ServiceContext.withValue(span.context) { ShopTracer.loggingMetadataProvider.get() }
        var headers: [String: String] = [:]
        tracer.inject(span.context, into: &headers, using: DictionaryInjector())
        let parent = TraceParent(header: headers["traceparent"] ?? "")
        #expect(metadata["trace_id"] == "\(parent?.traceID ?? "?")" && metadata["span_id"] == "\(parent?.spanID ?? "?")")
        #expect(ServiceContext.withValue(.topLevel) { ShopTracer.loggingMetadataProvider.get() }.isEmpty)
    }

    /// A later version's header is read for the fields version 00 defines (W3C: parse what you know).
    @Test func aLaterVersionIsReadForTheFieldsItShares() {
        let later = TraceParent(header: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next")
        #expect(later?.traceID == "4bf92f3577b34da6a3ce929d0e0e4736" && later?.isSampled == true)
        #expect(later?.header == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    }

    @Test func tracestateIsPassedOnWhenWellFormedAndDroppedWhole() throws {
        let tracer = ShopTracer()
        for (incoming, passed) in [
            ("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"),
            ("tenant@vendor=x", "tenant@vendor=x"),
            ("no-equals", nil), ("Upper=1", nil), ("k=v=w", nil),
            (String(repeating: "a=1,", count: 33), nil), ("k=" + String(repeating: "v", count: 520), nil),
        ] as [(String, String?)] {
            var context = ServiceContext.topLevel
            tracer.extract(
                ["traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate": incoming], into: &context,
                using: DictionaryExtractor())
            let span = tracer.startSpan("GET /x", context: context, ofKind: .server)
            var outgoing: [String: String] = [:]
            tracer.inject(span.context, into: &outgoing, using: DictionaryInjector())
            #expect(outgoing["tracestate"] == passed, "\(incoming)")
            #expect(outgoing["traceparent"]?.hasPrefix("00-4bf92f3577b34da6a3ce929d0e0e4736-") == true)
        }
    }
}

struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
