import Tracing

/// A batch of ended spans as an OTLP `ExportTraceServiceRequest` (opentelemetry/proto/collector/trace/v1),
/// field numbers from opentelemetry-proto 1.x. Checked against the reference decoder (opentelemetry-proto
/// on PyPI) by the span export tests.
enum OTLPEncoding {
    static func request(_ spans: some Collection<RecordedSpan>, resource: [TracingConfiguration.Attribute], scope: String) -> [UInt8] {
        var writer = ProtobufWriter(capacity: 256 + spans.count * 320)
        writer.message(1) { resourceSpans in  // ExportTraceServiceRequest.resource_spans
            resourceSpans.message(1) { resourceMessage in  // ResourceSpans.resource
                for attribute in resource {
                    resourceMessage.message(1) { keyValue(&$0, attribute.key) { $0.stringField(1, attribute.value, always: true) } }
                }
            }
            resourceSpans.message(2) { scopeSpans in  // ResourceSpans.scope_spans
                scopeSpans.message(1) { $0.stringField(1, scope) }  // ScopeSpans.scope: InstrumentationScope.name
                for span in spans {
                    scopeSpans.message(2) { encode(span, into: &$0) }  // ScopeSpans.spans
                }
            }
        }
        return writer.bytes
    }

    /// opentelemetry.proto.trace.v1.Span.
    static func encode(_ span: RecordedSpan, into writer: inout ProtobufWriter) {
        writer.idField(1, span.ids.traceHigh, span.ids.traceLow)
        writer.idField(2, nil, span.ids.span)
        if let state = span.ids.traceState { writer.stringField(3, state) }
        if span.parentSpan != 0 { writer.idField(4, nil, span.parentSpan) }
        writer.stringField(5, span.name)
        writer.varintField(6, kind(span.kind))
        writer.fixed64Field(7, span.start)
        writer.fixed64Field(8, span.end)
        let dropped = attributes(span.finishedAttributes, field: 9, into: &writer)
        writer.varintField(10, UInt64(dropped))
        for event in span.events {
            writer.message(11) { eventWriter in
                eventWriter.fixed64Field(1, event.nanosecondsSinceEpoch)
                eventWriter.stringField(2, event.name)
                let dropped = attributes(event.attributes, field: 3, into: &eventWriter)
                eventWriter.varintField(4, UInt64(dropped))
            }
        }
        writer.varintField(12, UInt64(span.droppedEvents))
        for link in span.links {
            writer.message(13) { linkWriter in
                linkWriter.idField(1, link.ids.traceHigh, link.ids.traceLow)
                linkWriter.idField(2, nil, link.ids.span)
                if let state = link.ids.traceState { linkWriter.stringField(3, state) }
                let dropped = attributes(link.attributes, field: 4, into: &linkWriter)
                linkWriter.varintField(5, UInt64(dropped))
                linkWriter.fixed32Field(6, UInt32(link.ids.flags))
            }
        }
        writer.varintField(14, UInt64(span.droppedLinks))
        if let status = span.status {
            writer.message(15) { statusWriter in
                if let message = status.message, status.code == .error { statusWriter.stringField(2, message) }
                statusWriter.varintField(3, status.code == .ok ? 1 : 2)
            }
        }
        writer.fixed32Field(16, UInt32(span.ids.flags))
    }

    static func kind(_ kind: SpanKind) -> UInt64 {
        switch kind {
        case .internal: 1
        case .server: 2
        case .client: 3
        case .producer: 4
        case .consumer: 5
        }
    }

    /// Writes up to the limit of attributes as repeated KeyValue `field`; returns how many were left out.
    static func attributes(_ attributes: SpanAttributes, field: UInt64, into writer: inout ProtobufWriter) -> Int {
        var written = 0, dropped = 0
        attributes.forEach { key, value in
            guard written < RecordedSpan.attributeLimit else {
                dropped += 1
                return
            }
            written += 1
            writer.message(field) { keyValue(&$0, key) { anyValue(&$0, value) } }
        }
        return dropped
    }

    /// KeyValue: the key, then the AnyValue message that `value` writes.
    static func keyValue(_ writer: inout ProtobufWriter, _ key: String, _ value: (inout ProtobufWriter) -> Void) {
        writer.stringField(1, key)
        writer.message(2, value)
    }

    /// The body of an AnyValue: string 1, bool 2, int 3, double 4, array 5.
    static func anyValue(_ writer: inout ProtobufWriter, _ value: SpanAttribute) {
        func array<Element>(_ elements: [Element], _ each: @escaping (inout ProtobufWriter, Element) -> Void) {
            writer.message(5) { arrayWriter in
                for element in elements { arrayWriter.message(1) { each(&$0, element) } }
            }
        }
        switch value {
        case .string(let string): writer.stringField(1, string, always: true)
        case .bool(let bool): writer.varintField(2, bool ? 1 : 0, always: true)
        case .int64(let int): writer.varintField(3, UInt64(bitPattern: int), always: true)
        case .int32(let int): writer.varintField(3, UInt64(bitPattern: Int64(int)), always: true)
        case .double(let double): writer.doubleField(4, double)
        case .stringArray(let strings): array(strings) { $0.stringField(1, $1, always: true) }
        case .boolArray(let bools): array(bools) { $0.varintField(2, $1 ? 1 : 0, always: true) }
        case .int64Array(let ints): array(ints) { $0.varintField(3, UInt64(bitPattern: $1), always: true) }
        case .int32Array(let ints): array(ints) { $0.varintField(3, UInt64(bitPattern: Int64($1)), always: true) }
        case .doubleArray(let doubles): array(doubles) { $0.doubleField(4, $1) }
        case .stringConvertible(let convertible): writer.stringField(1, convertible.description, always: true)
        case .stringConvertibleArray(let convertibles): array(convertibles) { $0.stringField(1, $1.description, always: true) }
        default: writer.stringField(1, "", always: true)
        }
    }
}
