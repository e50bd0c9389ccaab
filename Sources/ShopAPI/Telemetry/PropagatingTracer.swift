import Logging
import Tracing

/// W3C Trace Context without recording: continues an incoming `traceparent` (or starts a trace), gives
/// every span its own id, writes `traceparent` on outgoing calls and `trace_id`/`span_id` into logs, and
/// keeps nothing. What the service runs when no OTLP endpoint is configured. Hand-written because
/// swift-otel records and queues every span even with no exporter (it cost the product read 60%), and
/// its `alwaysOff` sampler drops propagation and log correlation as well.
public struct PropagatingTracer: Tracer {
    public init() {}

    /// A span's place in a trace, as `traceparent` carries it.
    public struct TraceParent: Sendable, Equatable {
        public let traceID: String
        public let spanID: String
        public let flags: String

        /// Parses `00-<32 hex>-<16 hex>-<2 hex>`; nil for anything else, all-zero ids included.
        public init?(header: String) {
            let parts = header.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff",
                parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
                parts.allSatisfy({ $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } }),
                parts[1].contains(where: { $0 != "0" }), parts[2].contains(where: { $0 != "0" })
            else { return nil }
            traceID = String(parts[1])
            spanID = String(parts[2])
            flags = String(parts[3])
        }

        init(traceID: String, spanID: String, flags: String) {
            self.traceID = traceID
            self.spanID = spanID
            self.flags = flags
        }

        public var header: String { "00-\(traceID)-\(spanID)-\(flags)" }
    }

    enum TraceParentKey: ServiceContextKey {
        typealias Value = TraceParent
    }

    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        if let header = extractor.extract(key: "traceparent", from: carrier), let parent = TraceParent(header: header) {
            context[TraceParentKey.self] = parent
        }
    }

    public func inject<Carrier, Inject: Injector>(_ context: ServiceContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        if let parent = context[TraceParentKey.self] { injector.inject(parent.header, forKey: "traceparent", into: &carrier) }
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> ServiceContext, ofKind kind: SpanKind, at instant: @autoclosure () -> Instant,
        function: String, file fileID: String, line: UInt
    ) -> Span {
        var context = context()
        let parent = context[TraceParentKey.self]
        context[TraceParentKey.self] = TraceParent(
            traceID: parent?.traceID ?? Self.randomHex(bytes: 16), spanID: Self.randomHex(bytes: 8), flags: parent?.flags ?? "01")
        return Span(context: context, operationName: operationName)
    }

    public func forceFlush() {}

    /// `trace_id` and `span_id` of the current span, for log lines.
    public static let loggingMetadataProvider = Logger.MetadataProvider {
        guard let parent = ServiceContext.current?[TraceParentKey.self] else { return [:] }
        return ["trace_id": "\(parent.traceID)", "span_id": "\(parent.spanID)"]
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        var out = ""
        out.reserveCapacity(bytes * 2)
        var word = generator.next() as UInt64
        for index in 0..<(bytes * 2) {
            if index > 0, index % 16 == 0 { word = generator.next() }
            out.append(digits[Int((word >> (UInt64(index % 16) * 4)) & 0xF)])
        }
        return out
    }

    /// A span that keeps its context and nothing else.
    public struct Span: Tracing.Span {
        public let context: ServiceContext
        public var operationName: String {
            get { storedName }
            nonmutating set {}
        }
        private let storedName: String

        init(context: ServiceContext, operationName: String) {
            self.context = context
            storedName = operationName
        }

        public var attributes: SpanAttributes {
            get { [:] }
            nonmutating set {}
        }

        public var isRecording: Bool { false }
        public func setStatus(_ status: SpanStatus) {}
        public func addEvent(_ event: SpanEvent) {}
        public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {}
        public func addLink(_ link: SpanLink) {}
        public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {}
    }
}
