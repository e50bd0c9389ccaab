import Foundation
import Logging
import ShopDomain
import Synchronization

/// Where log lines go: standard output (or another file descriptor), or a buffer a test reads.
///
/// Standard output is buffered: a `write` system call per line, under a lock every request takes, cost
/// more than building the line. Lines collect in memory and go out in one write when 64 KiB are pending,
/// every 100 ms from a flusher thread, at exit, and at once with everything before them for a line at
/// `warning` or above. So a crash loses at most the last 100 ms of `info` lines, never a warning.
public final class LogSink: Sendable {
    private enum Target {
        case descriptor(Int32, pending: [UInt8])
        case memory([String])
    }

    private let target: Mutex<Target>
    private static let flushThreshold = 64 * 1024

    private init(_ target: Target) {
        self.target = Mutex(target)
    }

    public static let standardOutput: LogSink = {
        let sink = LogSink.descriptor(STDOUT_FILENO)
        Thread.detachNewThread {
            while true {
                Thread.sleep(forTimeInterval: 0.1)
                sink.flush()
            }
        }
        atexit { LogSink.standardOutput.flush() }
        return sink
    }()

    public static func memory() -> LogSink { LogSink(.memory([])) }
    /// Buffered like standard output, without the flusher thread: whoever makes it calls `flush()`.
    static func descriptor(_ descriptor: Int32) -> LogSink { LogSink(.descriptor(descriptor, pending: [])) }

    func write(_ line: String, urgent: Bool) {
        target.withLock { target in
            switch target {
            case .descriptor(let descriptor, var pending):
                target = .memory([])  // keeps `pending` uniquely referenced while it grows
                pending.append(contentsOf: line.utf8)
                pending.append(0x0A)
                if urgent || pending.count >= Self.flushThreshold {
                    Self.writeAll(pending, to: descriptor)
                    pending.removeAll(keepingCapacity: true)
                }
                target = .descriptor(descriptor, pending: pending)
            case .memory(var lines):
                target = .memory([])
                lines.append(line)
                target = .memory(lines)
            }
        }
    }

    /// Writes out what is pending (descriptor sinks only).
    public func flush() {
        target.withLock { target in
            guard case .descriptor(let descriptor, var pending) = target, !pending.isEmpty else { return }
            target = .memory([])
            Self.writeAll(pending, to: descriptor)
            pending.removeAll(keepingCapacity: true)
            target = .descriptor(descriptor, pending: pending)
        }
    }

    /// One `write` loop under the lock, so lines from concurrent requests never interleave.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
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
    /// Written first, in this order, under these names.
    static let idFields: [(key: String, name: String)] = [(requestIDKey, "request_id"), ("trace_id", "trace_id"), ("span_id", "span_id")]

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

        var out = ""
        out.reserveCapacity(512)
        out += "{\"timestamp\":\"\(clock.now().rfc3339)\",\"level\":\"\(level.rawValue)\",\"message\":"
        Self.appendString(message.description, to: &out)
        out += ",\"label\":"
        Self.appendString(label, to: &out)
        out += ",\"service\":"
        Self.appendString(service, to: &out)
        for (key, name) in Self.idFields {
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
        sink.write(out, urgent: level >= .warning)
    }

    /// `"key":value`, the value redacted when the key names a secret or personal data.
    static func appendMember(_ key: String, _ value: Logger.Metadata.Value, to out: inout String) {
        appendString(key, to: &out)
        out += ":"
        let lowercased = key.utf8.contains(where: { (0x41...0x5A).contains($0) }) ? key.lowercased() : key
        if redactedKeys.contains(lowercased) {
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
            case let number as Int: out += String(number)
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
        // Most strings need no escaping: one append instead of one per character.
        guard string.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
            out += string
            out += "\""
            return
        }
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
