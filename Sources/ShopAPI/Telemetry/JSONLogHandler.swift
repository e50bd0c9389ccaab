import Foundation
import Logging
import ShopDomain
import Synchronization

/// Where log lines go: standard output, or a buffer a test reads.
public final class LogSink: Sendable {
    private enum Target {
        case standardOutput
        case memory([String])
    }

    private let target: Mutex<Target>

    private init(_ target: Target) {
        self.target = Mutex(target)
    }

    public static let standardOutput = LogSink(.standardOutput)
    public static func memory() -> LogSink { LogSink(.memory([])) }

    func write(_ line: String) {
        target.withLock { target in
            switch target {
            case .standardOutput:
                // One write per line under the lock, so lines from concurrent requests never interleave.
                var line = line + "\n"
                line.withUTF8 { bytes in
                    var offset = 0
                    while offset < bytes.count {
                        let written = Foundation.write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                        if written <= 0 { break }
                        offset += written
                    }
                }
            case .memory(var lines):
                lines.append(line)
                target = .memory(lines)
            }
        }
    }

    /// The lines written so far (memory sinks only).
    public var lines: [String] {
        target.withLock { if case .memory(let lines) = $0 { lines } else { [] } }
    }
}

/// One JSON object per line: `timestamp` (RFC 3339 UTC, milliseconds), `level`, `message`, `label`,
/// `service`, `request_id`, `trace_id` and `span_id` when known, then the metadata. Written by hand
/// because swift-log ships no JSON handler and Foundation's encoder is slow for a line per request.
/// Keys that could carry a secret or personal data are redacted whatever their value.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level
    private let label: String
    private let service: String
    private let sink: LogSink
    private let clock: any ShopClock

    static let redactedKeys: Set<String> = ["authorization", "token", "password", "secret", "email", "card", "card_number", "cvc"]
    /// Hummingbird's request id key, written as `request_id`.
    static let requestIDKey = "hb.request.id"

    public init(
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

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }

        var out = "{\"timestamp\":\"\(clock.now().rfc3339)\",\"level\":\"\(level.rawValue)\",\"message\":"
        Self.appendString(message.description, to: &out)
        out += ",\"label\":"
        Self.appendString(label, to: &out)
        out += ",\"service\":"
        Self.appendString(service, to: &out)
        for (key, name) in [(Self.requestIDKey, "request_id"), ("trace_id", "trace_id"), ("span_id", "span_id")] {
            if let value = merged.removeValue(forKey: key) {
                out += ","
                Self.appendMember(name, value, to: &out)
            }
        }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            out += ","
            Self.appendMember(key, value, to: &out)
        }
        out += "}"
        sink.write(out)
    }

    /// `"key":value`, the value redacted when the key names a secret or personal data.
    static func appendMember(_ key: String, _ value: Logger.Metadata.Value, to out: inout String) {
        appendString(key, to: &out)
        out += ":"
        if redactedKeys.contains(key.lowercased()) {
            out += "\"[redacted]\""
        } else {
            appendValue(value, to: &out)
        }
    }

    static func appendValue(_ value: Logger.Metadata.Value, to out: inout String) {
        switch value {
        case .string(let string): appendString(string, to: &out)
        case .stringConvertible(let convertible):
            // Numbers and booleans stay numbers and booleans, so a log pipeline can compare them.
            switch convertible {
            case let number as any BinaryInteger: out += "\(number)"
            case let number as Double where number.isFinite: out += "\(number)"
            case let flag as Bool: out += flag ? "true" : "false"
            default: appendString(convertible.description, to: &out)
            }
        case .array(let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                appendValue(element, to: &out)
            }
            out += "]"
        case .dictionary(let dictionary):
            out += "{"
            for (index, (key, element)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out += "," }
                appendMember(key, element, to: &out)
            }
            out += "}"
        }
    }

    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped.
    static func appendString(_ string: String, to out: inout String) {
        out += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let control where control.value < 0x20:
                out += "\\u00" + String(control.value, radix: 16).leftPadded(to: 2)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
