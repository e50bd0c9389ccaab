import Logging
import Tracing

/// W3C Trace Context without recording: continues an incoming `traceparent` (or starts a trace), gives
/// every span its own id, writes `traceparent` on outgoing calls and `trace_id`/`span_id` into logs, and
/// keeps nothing. What the service runs when no OTLP endpoint is configured. Hand-written because
/// swift-otel records and queues every span even with no exporter (it cost the product read 60%), and
/// its `alwaysOff` sampler drops propagation and log correlation as well.
public struct PropagatingTracer: Tracer {
    public init() {}

    /// A span's place in a trace, as `traceparent` carries it. Ids are kept as integers and written as hex
    /// only when a header or a log line needs them: most spans (one per SQL statement) never do.
    public struct TraceParent: Sendable, Equatable {
        let traceHigh: UInt64
        let traceLow: UInt64
        let span: UInt64
        let flags: UInt8

        /// Parses `00-<32 hex>-<16 hex>-<2 hex>`; nil for anything else, all-zero ids included.
        public init?(header: String) {
            let parts = header.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff",
                parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
                parts.allSatisfy({ $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } }),
                let high = UInt64(parts[1].prefix(16), radix: 16), let low = UInt64(parts[1].suffix(16), radix: 16),
                let span = UInt64(parts[2], radix: 16), let flags = UInt8(parts[3], radix: 16),
                high | low != 0, span != 0
            else { return nil }
            (traceHigh, traceLow, self.span, self.flags) = (high, low, span, flags)
        }

        init(traceHigh: UInt64, traceLow: UInt64, span: UInt64, flags: UInt8) {
            (self.traceHigh, self.traceLow, self.span, self.flags) = (traceHigh, traceLow, span, flags)
        }

        public var traceID: String { Self.hex(traceHigh) + Self.hex(traceLow) }
        public var spanID: String { Self.hex(span) }
        public var header: String { "00-\(traceID)-\(spanID)-\(flags < 16 ? "0" : "")\(String(flags, radix: 16))" }

        static func hex(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
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
        var random = SystemRandomNumberGenerator()
        let parent = context[TraceParentKey.self]
        context[TraceParentKey.self] = TraceParent(
            traceHigh: parent?.traceHigh ?? random.next(), traceLow: parent?.traceLow ?? random.next(),
            span: UInt64.random(in: 1...UInt64.max, using: &random), flags: parent?.flags ?? 1)
        return Span(context: context, operationName: operationName)
    }

    public func forceFlush() {}

    /// `trace_id` and `span_id` of the current span, for log lines.
    public static let loggingMetadataProvider = Logger.MetadataProvider {
        guard let parent = ServiceContext.current?[TraceParentKey.self] else { return [:] }
        return ["trace_id": "\(parent.traceID)", "span_id": "\(parent.spanID)"]
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
