extension LoadResult {
    /// One of the slowest requests of a window and endpoint, and the trace it started, so a slow point of the
    /// report leads to its spans (when `sampled`) or to the service's access line (always: it logs the trace id).
    package struct SlowRequest: Codable, Sendable, Equatable {
        /// Corrected latency, µs.
        package var microseconds: UInt64
        package var traceId: String
        package var sampled: Bool
        /// The status code answered; nil when no answer came.
        package var code: Int?

        package init(microseconds: UInt64, traceId: String, sampled: Bool, code: Int?) {
            self.microseconds = microseconds
            self.traceId = traceId
            self.sampled = sampled
            self.code = code
        }

        /// How many a window keeps per endpoint.
        package static let kept = 3

        /// The `kept` slowest of `requests`, slowest first (ties by trace id, so shards merge to one answer).
        package static func slowest(_ requests: [SlowRequest]) -> [SlowRequest] {
            Array(requests.sorted { ($0.microseconds, $1.traceId) > ($1.microseconds, $0.traceId) }.prefix(kept))
        }
    }
}
