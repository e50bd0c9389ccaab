import Foundation

/// Durations as profiles, SLO specs, flags and Prometheus write them: numbers with units (`ms`, `s`, `m`,
/// `h`, `d`, `w`, `y` of 365 days), several in a row as in `1h30m`, or a bare number of seconds.
package enum DurationText {
    static let units: [String: Double] = ["ms": 0.001, "s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800, "y": 31_536_000]

    package static func seconds(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let bare = Double(trimmed) { return bare.isFinite && bare >= 0 ? bare : nil }
        var total = 0.0
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isLetter }
            rest = rest.dropFirst(unit.count)
            guard let value = Double(number), value.isFinite, let scale = units[String(unit)] else { return nil }
            total += value * scale
        }
        return total
    }

    /// `seconds` written back the shortest way that reads well: 90 → "1m30s", 0.25 → "250ms", whole
    /// seconds from one second up.
    package static func text(_ seconds: Double) -> String {
        seconds < 1 ? exact(seconds) : exact(seconds.rounded())
    }

    /// `seconds` exact to the millisecond, as Prometheus parses a duration: 10.5 → "10s500ms". Rule
    /// windows scaled to a period need it.
    package static func exact(_ seconds: Double) -> String {
        let milliseconds = (seconds * 1000).rounded()
        guard !milliseconds.isNaN, milliseconds > 0 else { return "0s" }
        // Past Int's range (about 292 million years), and for infinity, whole days are the only spelling left.
        guard milliseconds < 9.2e18 else { return String(format: "%.0fd", min(seconds / 86_400, 1e18)) }
        var rest = Int(milliseconds)
        if rest <= 0 { return "0s" }
        var parts: [String] = []
        for (suffix, scale) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] where rest >= scale {
            parts.append("\(rest / scale)\(suffix)")
            rest %= scale
        }
        return parts.joined()
    }
}
