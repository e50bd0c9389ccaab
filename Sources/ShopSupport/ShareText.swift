import Foundation

/// Shares as specs and flags write them: a percentage (`99.9%`) or a ratio (`0.999`).
package enum ShareText {
    /// The share `text` says, rounded to 12 significant digits so that 99.9% is 0.999 and not
    /// 0.9990000000000001; nil when it is not a number. The range is the caller's to check.
    package static func share(_ text: String) -> Double? {
        let value = text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)
        return value.flatMap { Double(String(format: "%.12g", $0)) }
    }
}
