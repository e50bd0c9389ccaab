import Logging
import ShopSupport

/// A value of a field written without swift-log's metadata (see `Logger.log(_:_:fields:)`): what a line
/// written per request carries, typed so that nothing is boxed or formatted twice.
package enum LineField: Sendable, Equatable {
    case string(String)
    case int(Int)
    case number(Double)
    case bool(Bool)

    var metadataValue: Logger.Metadata.Value {
        switch self {
        case .string(let string): .string(string)
        case .int(let int): .stringConvertible(int)
        case .number(let number): .stringConvertible(number)
        case .bool(let flag): .stringConvertible(flag)
        }
    }
}

/// One JSON line, written as UTF-8 bytes: the encoder of both `JSONLogHandler` paths.
struct JSONLine {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(512) }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func int(_ value: Int) {
        raw(String(value))  // a small string: no allocation
    }

    /// A finite number as Swift writes it (shortest round-trip form); anything else as a string.
    mutating func number(_ value: Double) {
        if value.isFinite { raw(value.description) } else { string(value.description) }
    }

    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped.
    mutating func string(_ text: String) {
        bytes.append(0x22)
        var text = text
        text.withUTF8 { utf8 in
            // Most strings need no escaping: one append instead of one per byte.
            guard utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) else {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case ..<0x20:
                    raw("\\u00")
                    bytes.append(Self.hex[Int(byte >> 4)])
                    bytes.append(Self.hex[Int(byte & 0xF)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(0x22)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func timestamp(_ time: Timestamp) {
        bytes.append(0x22)
        time.appendRFC3339(to: &bytes)
        bytes.append(0x22)
    }

    /// `"key":value`, the value redacted when the key names a secret or personal data.
    mutating func member(_ key: String, _ value: Logger.Metadata.Value) {
        memberKey(key) { $0.value(value) }
    }

    mutating func member(_ key: String, _ field: LineField) {
        memberKey(key) { line in
            switch field {
            case .string(let string): line.string(string)
            case .int(let int): line.int(int)
            case .number(let number): line.number(number)
            case .bool(let flag): line.raw(flag ? "true" : "false")
            }
        }
    }

    private mutating func memberKey(_ key: String, _ value: (inout JSONLine) -> Void) {
        string(key)
        bytes.append(0x3A)
        if Self.isRedacted(key) {
            raw("\"[redacted]\"")
        } else {
            value(&self)
        }
    }

    static let redactedKeys: Set<String> = ["authorization", "token", "password", "secret", "email", "card", "card_number", "cvc"]

    /// Bit n set when a redacted key has n bytes: most keys are cleared by their length alone, without
    /// lowercasing or hashing (a twentieth of an access line's cost went to this check).
    private static let redactedLengths: UInt64 = redactedKeys.reduce(0) { $0 | 1 << UInt64($1.utf8.count) }

    static func isRedacted(_ key: String) -> Bool {
        let length = key.utf8.count
        guard length < 64, redactedLengths & (1 << UInt64(length)) != 0 else { return false }
        let lowercased = key.utf8.contains(where: { (0x41...0x5A).contains($0) }) ? key.lowercased() : key
        return redactedKeys.contains(lowercased)
    }

    mutating func value(_ value: Logger.Metadata.Value) {
        switch value {
        case .string(let string): self.string(string)
        case .stringConvertible(let convertible):
            // Numbers and booleans stay numbers and booleans, so a log pipeline can compare them.
            switch convertible {
            case let number as Int: int(number)
            case let number as any BinaryInteger: raw("\(number)")
            case let number as Double where number.isFinite: raw(number.description)
            case let flag as Bool: raw(flag ? "true" : "false")
            default: string(convertible.description)
            }
        case .array(let values):
            bytes.append(0x5B)
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                self.value(element)
            }
            bytes.append(0x5D)
        case .dictionary(let dictionary):
            bytes.append(0x7B)
            for (index, (key, element)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { bytes.append(0x2C) }
                member(key, element)
            }
            bytes.append(0x7D)
        }
    }
}
