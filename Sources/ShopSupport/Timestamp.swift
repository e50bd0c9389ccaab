/// A point in time, in whole milliseconds since the Unix epoch: what the stores persist.
package struct Timestamp: Sendable, Hashable, Comparable, Codable {
    package var millisecondsSinceEpoch: Int64

    package init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    package static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    package func adding(milliseconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + milliseconds)
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-27T09:30:00.125Z`. Computed by hand (civil-from-days)
    /// because Foundation's date formatters are slow and not needed for a fixed UTC format.
    package var rfc3339: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        appendRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `rfc3339`'s bytes appended to `bytes`, with no string made: a log line writes one per line.
    package func appendRFC3339(to bytes: inout [UInt8]) {
        let ms = millisecondsSinceEpoch
        let days = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
        let msOfDay = ms - days * 86_400_000
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func digits(_ value: Int64, _ width: Int) {
            let text = String(value).utf8
            for _ in 0..<max(0, width - text.count) { bytes.append(0x30) }
            bytes.append(contentsOf: text)
        }
        func twoDigits(_ value: Int64) {
            bytes.append(0x30 + UInt8(value / 10))
            bytes.append(0x30 + UInt8(value % 10))
        }
        if (0...9999).contains(year) {
            twoDigits(year / 100)
            twoDigits(year % 100)
        } else {
            digits(year, 4)
        }
        bytes.append(0x2D)  // -
        twoDigits(month)
        bytes.append(0x2D)
        twoDigits(day)
        bytes.append(0x54)  // T
        twoDigits(msOfDay / 3_600_000)
        bytes.append(0x3A)  // :
        twoDigits(msOfDay / 60_000 % 60)
        bytes.append(0x3A)
        twoDigits(msOfDay / 1000 % 60)
        bytes.append(0x2E)  // .
        bytes.append(0x30 + UInt8(msOfDay % 1000 / 100))
        twoDigits(msOfDay % 100)
        bytes.append(0x5A)  // Z
    }
}

/// Where time comes from. Injected wherever maths depends on it (retry schedules, the circuit breaker),
/// so tests can move time by hand.
package protocol ShopClock: Sendable {
    func now() -> Timestamp
}
