/// Protocol Buffers' wire format, the little of it OTLP needs: varints, fixed64/fixed32, length-delimited
/// fields and nested messages. A nested message's length is written after its body (one byte reserved,
/// the body moved along when the length needs more), so nothing is encoded twice and no message
/// objects are built.
struct ProtobufWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private mutating func tag(_ field: UInt64, _ wireType: UInt64) { varint(field << 3 | wireType) }

    /// `always`: write a zero too, as a `oneof` member must be (proto3 leaves other zero fields out).
    mutating func varintField(_ field: UInt64, _ value: UInt64, always: Bool = false) {
        guard value != 0 || always else { return }
        tag(field, 0)
        varint(value)
    }

    mutating func fixed64Field(_ field: UInt64, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, 1)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func fixed32Field(_ field: UInt64, _ value: UInt32) {
        guard value != 0 else { return }
        tag(field, 5)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func doubleField(_ field: UInt64, _ value: Double) {
        tag(field, 1)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func stringField(_ field: UInt64, _ value: String, always: Bool = false) {
        guard !value.isEmpty || always else { return }
        var value = value
        value.withUTF8 { utf8 in
            tag(field, 2)
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// Ids as OTLP carries them: big-endian bytes, the trace's high half first.
    mutating func idField(_ field: UInt64, _ high: UInt64?, _ low: UInt64) {
        tag(field, 2)
        varint(high == nil ? 8 : 16)
        if let high { withUnsafeBytes(of: high.bigEndian) { bytes.append(contentsOf: $0) } }
        withUnsafeBytes(of: low.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// A nested message (or packed field) written by `body`, always present even when empty.
    mutating func message(_ field: UInt64, _ body: (inout ProtobufWriter) -> Void) {
        tag(field, 2)
        let lengthAt = bytes.count
        bytes.append(0)
        body(&self)
        let length = bytes.count - lengthAt - 1
        guard length >= 0x80 else {
            bytes[lengthAt] = UInt8(length)
            return
        }
        var prefix = ProtobufWriter(capacity: 5)
        prefix.varint(UInt64(length))
        bytes.replaceSubrange(lengthAt..<lengthAt + 1, with: prefix.bytes)
    }
}
