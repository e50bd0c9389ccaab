import ShopSupport

/// UUIDv7 identifiers (RFC 9562): time-ordered, so the newest rows sort last by id and cursor
/// pagination needs no second key. Foundation's UUID makes only version 4.
package enum Identifier {
    package static func make(at time: Timestamp, random: inout some RandomNumberGenerator) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let ms = UInt64(bitPattern: time.millisecondsSinceEpoch)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: ms >> (40 - 8 * UInt64(i))) }
        let r1 = random.next() as UInt64
        let r2 = random.next() as UInt64
        for i in 6..<16 { bytes[i] = UInt8(truncatingIfNeeded: (i < 14 ? r1 : r2) >> (8 * UInt64(i % 8))) }
        bytes[6] = 0x70 | (bytes[6] & 0x0F)
        bytes[8] = 0x80 | (bytes[8] & 0x3F)
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, byte) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    package static func make(at time: Timestamp) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(at: time, random: &generator)
    }

    /// True for the canonical lower-case 8-4-4-4-12 form this type makes.
    package static func isWellFormed(_ id: String) -> Bool {
        let utf8 = Array(id.utf8)
        guard utf8.count == 36 else { return false }
        for (i, c) in utf8.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != UInt8(ascii: "-") { return false }
            } else if !((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) {
                return false
            }
        }
        return true
    }
}
