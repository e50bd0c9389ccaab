/// How a rehearsal's requests say they are not a customer's: the W3C `baggage` member `synthetic=true` (as
/// the OpenTelemetry demo's load generator marks its own). shop-load sends it on every request; shop-api
/// carries it into its access lines, its spans and the `synthetic` label of its request histogram, so an
/// SLO can leave rehearsals out of its budget (`exclude_synthetic`).
package enum SyntheticTraffic {
    package static let baggageHeader = "baggage"
    /// The member as sent.
    package static let member = "synthetic=true"
    /// The request histogram's label, `"true"` or `"false"`.
    package static let label = "synthetic"

    /// Whether a `baggage` value (`key=value;properties` members, comma-separated, W3C Baggage) holds the
    /// member `synthetic` with the value `true`.
    package static func isMarked(baggage: String) -> Bool {
        // What shop-load sends, matched whole: a rehearsal's request then pays one comparison, not a split
        // that allocates per member.
        if baggage == member { return true }
        return baggage.split(separator: ",").contains { member in
            let pair = member.split(separator: ";", maxSplits: 1).first ?? Substring()
            let parts = pair.split(separator: "=", maxSplits: 1)
            return parts.count == 2 && parts[0].trimmingSpaces() == "synthetic" && parts[1].trimmingSpaces() == "true"
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
