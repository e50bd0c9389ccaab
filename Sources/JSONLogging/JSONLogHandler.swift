import Foundation
import Logging
import ShopSupport
import Synchronization

/// One JSON object per line: `timestamp` (RFC 3339 UTC, milliseconds), `level`, `message`, `label`,
/// `service`, `request_id`, `trace_id` and `span_id` when known, then the metadata. Written by hand
/// because swift-log ships no JSON handler and Foundation's encoder is slow for a line per request.
/// Keys that could carry a secret or personal data are redacted whatever their value.
package struct JSONLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?
    package var logLevel: Logger.Level
    private let label: String
    private let service: String
    private let sink: LogSink
    private let clock: any ShopClock

    /// Hummingbird's request id key, written as `request_id`.
    static let requestIDKey = "hb.request.id"
    /// Written first, in this order, under these names.
    static let idFields: [(key: String, name: String)] = [(requestIDKey, "request_id"), ("trace_id", "trace_id"), ("span_id", "span_id")]

    package init(
        label: String, service: String, level: Logger.Level, sink: LogSink = .standardOutput, clock: any ShopClock = SystemClock(),
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.metadataProvider = metadataProvider
        self.label = label
        self.service = service
        self.logLevel = level
        self.sink = sink
        self.clock = clock
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        var out = head(level, message.description) { merged[$0] }
        for (key, _) in Self.idFields { merged.removeValue(forKey: key) }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            out.raw(",")
            out.member(key, value)
        }
        out.raw("}")
        sink.write(out.bytes, urgent: level >= .warning)
    }

    /// The line `log` writes for `fields` given as metadata, written straight into bytes: no metadata
    /// dictionary, no boxed values, no sort of the fields, which must come sorted by key. For the line
    /// written per request (`Logger.log(_:_:fields:)`), where building the metadata cost more than the
    /// rest of the line.
    package func log(level: Logger.Level, message: String, fields: [(key: String, value: LineField)]) {
        assert(zip(fields, fields.dropFirst()).allSatisfy { $0.key < $1.key } && !fields.contains { Self.isIDField($0.key) })
        let provided = metadataProvider?.get()
        var out = head(level, message) { provided?[$0] ?? metadata[$0] }
        // The handler's and the provider's other keys (the provider's win, the fields' over both), usually
        // only the trace flags, merged into the sorted fields.
        var others: [(key: String, value: Logger.Metadata.Value)] = []
        for (key, value) in metadata where provided?[key] == nil && !Self.isIDField(key) { others.append((key, value)) }
        for (key, value) in provided ?? [:] where !Self.isIDField(key) { others.append((key, value)) }
        others.removeAll { other in fields.contains { $0.key == other.key } }
        if others.count > 1 { others.sort { $0.key < $1.key } }
        var next = 0
        for field in fields {
            while next < others.count, others[next].key < field.key {
                out.raw(",")
                out.member(others[next].key, others[next].value)
                next += 1
            }
            out.raw(",")
            out.member(field.key, field.value)
        }
        for other in others[next...] {
            out.raw(",")
            out.member(other.key, other.value)
        }
        out.raw("}")
        sink.write(out.bytes, urgent: level >= .warning)
    }

    /// Every line's first members: timestamp, level, message, label, service, then the id fields `lookup` knows.
    private func head(_ level: Logger.Level, _ message: String, lookup: (String) -> Logger.Metadata.Value?) -> JSONLine {
        var out = JSONLine()
        out.raw("{\"timestamp\":")
        out.timestamp(clock.now())
        out.raw(",\"level\":\"")
        out.raw(level.rawValue)
        out.raw("\",\"message\":")
        out.string(message)
        out.raw(",\"label\":")
        out.string(label)
        out.raw(",\"service\":")
        out.string(service)
        for (key, name) in Self.idFields {
            if let value = lookup(key) {
                out.raw(",")
                out.member(name, value)
            }
        }
        return out
    }

    private static func isIDField(_ key: String) -> Bool {
        idFields.contains { $0.key == key }
    }
}

extension Logger {
    /// `message` at `level` with `fields` (sorted by key), built only when the level is logged: straight
    /// into bytes when the handler is a `JSONLogHandler`, as metadata for any other.
    package func log(_ level: Logger.Level, _ message: String, fields: @autoclosure () -> [(key: String, value: LineField)]) {
        guard logLevel <= level else { return }
        if let json = handler as? JSONLogHandler {
            json.log(level: level, message: message, fields: fields())
        } else {
            let metadata = Logger.Metadata(fields().map { ($0.key, $0.value.metadataValue) }, uniquingKeysWith: { $1 })
            log(level: level, "\(message)", metadata: metadata)
        }
    }
}
