import Logging
import Synchronization
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

        public var traceID: String { Self.text(length: 32) { Self.writeHex(traceHigh, 16, into: $0, at: 0); Self.writeHex(traceLow, 16, into: $0, at: 16) } }
        public var spanID: String { Self.text(length: 16) { Self.writeHex(span, 16, into: $0, at: 0) } }
        public var header: String {
            Self.text(length: 55) { out in
                (out[0], out[1]) = (0x30, 0x30)  // version "00"
                (out[2], out[35], out[52]) = (0x2D, 0x2D, 0x2D)  // "-"
                Self.writeHex(traceHigh, 16, into: out, at: 3)
                Self.writeHex(traceLow, 16, into: out, at: 19)
                Self.writeHex(span, 16, into: out, at: 36)
                Self.writeHex(UInt64(flags), 2, into: out, at: 53)
            }
        }

        /// Hex written straight into a string's buffer: this runs for every log line and every response,
        /// where `String(_:radix:)` and padding cost more than the rest of the span.
        private static func text(length: Int, _ write: (UnsafeMutableBufferPointer<UInt8>) -> Void) -> String {
            String(unsafeUninitializedCapacity: length) { buffer in
                write(buffer)
                return length
            }
        }

        /// The low `digits` nibbles of `value`, lowercase, most significant first.
        private static func writeHex(_ value: UInt64, _ digits: Int, into out: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
            for index in 0..<digits {
                let nibble = UInt8((value >> UInt64((digits - 1 - index) * 4)) & 0xF)
                out[offset + index] = nibble < 10 ? 0x30 + nibble : 0x57 + nibble
            }
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
        let parent = context[TraceParentKey.self]
        context[TraceParentKey.self] = TraceParent(
            traceHigh: parent?.traceHigh ?? Self.nextID(), traceLow: parent?.traceLow ?? Self.nextID(),
            span: Self.nextID(), flags: parent?.flags ?? 1)
        return Span(context: context, operationName: operationName)
    }

    /// A fresh non-zero 64-bit id: SplitMix64 over a counter from a random seed. Uniform and unique within
    /// the process, as W3C asks of ids, without a `getrandom` system call for each of them.
    static func nextID() -> UInt64 {
        var z = idSeed &+ idCounter.add(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return max(1, z ^ (z >> 31))
    }

    private static let idSeed = UInt64.random(in: .min ... .max)
    private static let idCounter = Atomic<UInt64>(0)

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
