import LoadProfile

extension LoadResult {
    /// A run that stopped itself: which check, what it saw, and when on both clocks.
    package struct Stop: Codable, Sendable, Equatable {
        /// `threshold` (`--abort-on-fail`) or `slo` (`--abort-on page|ticket`).
        package var reason: String
        /// What was reached, in a line: the threshold and its observed value, or the SLO, severity and burn condition.
        package var detail: String
        package var profileSeconds: Double
        package var wallSeconds: Double
        /// The shard that stopped, when a merged result holds several.
        package var shard: Shard?

        package init(reason: String, detail: String, profileSeconds: Double, wallSeconds: Double, shard: Shard? = nil) {
            self.reason = reason
            self.detail = detail
            self.profileSeconds = profileSeconds
            self.wallSeconds = wallSeconds
            self.shard = shard
        }
    }
}
