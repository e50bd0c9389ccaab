/// A span's place in a trace, as W3C `traceparent` carries it, with the vendors' `tracestate` passed on
/// untouched. Ids are kept as integers and written as hex only when a header, a log line or an export
/// needs them: most spans (one per SQL statement) never do.
package struct TraceParent: Sendable, Equatable {
    package let traceHigh: UInt64
    package let traceLow: UInt64
    package let span: UInt64
    package let flags: UInt8
    /// The caller's `tracestate`, when it was well formed; nil when absent.
    package let traceState: String?

    package var isSampled: Bool { flags & 1 == 1 }

    /// Parses `00-<32 hex>-<16 hex>-<2 hex>` (a later version may append fields after a `-`); nil for
    /// anything else, all-zero ids included.
    package init?(header: String, traceState: String? = nil) {
        let parts = header.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", parts[0] != "00" || parts.count == 4,
            parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
            parts.prefix(4).allSatisfy({ $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } }),
            let high = UInt64(parts[1].prefix(16), radix: 16), let low = UInt64(parts[1].suffix(16), radix: 16),
            let span = UInt64(parts[2], radix: 16), let flags = UInt8(parts[3], radix: 16),
            high | low != 0, span != 0
        else { return nil }
        (traceHigh, traceLow, self.span, self.flags) = (high, low, span, flags & 1)
        self.traceState = traceState.flatMap(Self.validTraceState)
    }

    package init(traceHigh: UInt64, traceLow: UInt64, span: UInt64, flags: UInt8, traceState: String? = nil) {
        (self.traceHigh, self.traceLow, self.span, self.flags, self.traceState) = (traceHigh, traceLow, span, flags, traceState)
    }

    package var traceID: String {
        Self.text(length: 32) {
            Self.writeHex(traceHigh, 16, into: $0, at: 0); Self.writeHex(traceLow, 16, into: $0, at: 16)
        }
    }
    package var spanID: String { Self.text(length: 16) { Self.writeHex(span, 16, into: $0, at: 0) } }
    package var header: String {
        Self.text(length: 55) { out in
            (out[0], out[1]) = (0x30, 0x30)  // version "00"
            (out[2], out[35], out[52]) = (0x2D, 0x2D, 0x2D)  // "-"
            Self.writeHex(traceHigh, 16, into: out, at: 3)
            Self.writeHex(traceLow, 16, into: out, at: 19)
            Self.writeHex(span, 16, into: out, at: 36)
            Self.writeHex(UInt64(flags), 2, into: out, at: 53)
        }
    }

    /// `tracestate` as W3C bounds it: at most 32 `key=value` members and 512 characters, printable ASCII
    /// without `,` or `=` in values. Anything else is dropped whole, as the specification allows, rather
    /// than passed on to break the next vendor's parser.
    static func validTraceState(_ header: String) -> String? {
        let trimmed = header.split(separator: ",").map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        guard !trimmed.isEmpty, trimmed.count <= 32 else { return nil }
        for member in trimmed {
            guard let equals = member.firstIndex(of: "="), equals != member.startIndex,
                member[member.index(after: equals)...].allSatisfy({ $0.isASCII && $0 != "," && $0 != "=" && $0 >= " " && $0 <= "~" }),
                member[..<equals].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || "_-*/@".contains($0)) })
            else { return nil }
        }
        let joined = trimmed.joined(separator: ",")
        return joined.utf8.count <= 512 ? joined : nil
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

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
