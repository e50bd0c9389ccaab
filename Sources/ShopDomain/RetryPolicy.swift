/// When to try a failed payment again: exponential backoff with full jitter over the upper half of each
/// step, so a fleet of retries does not arrive at once. The source design's schedule is 5 s, 25 s, 125 s
/// (`initialDelay` 5 s, `multiplier` 5, `maxAttempts` 4) and then the payment is parked for review.
package struct RetryPolicy: Sendable, Equatable {
    package let maxAttempts: Int
    package let initialDelayMilliseconds: Int64
    package let multiplier: Int64
    package let maxDelayMilliseconds: Int64

    package init(maxAttempts: Int, initialDelayMilliseconds: Int64, multiplier: Int64, maxDelayMilliseconds: Int64) {
        precondition(maxAttempts >= 1 && initialDelayMilliseconds >= 0 && multiplier >= 1)
        self.maxAttempts = maxAttempts
        self.initialDelayMilliseconds = initialDelayMilliseconds
        self.multiplier = multiplier
        self.maxDelayMilliseconds = maxDelayMilliseconds
    }

    package static let sourceDesign = RetryPolicy(
        maxAttempts: 4, initialDelayMilliseconds: 5_000, multiplier: 5, maxDelayMilliseconds: 600_000)

    /// The delay before attempt `failedAttempts + 1`, or nil when no attempt is left.
    /// `jitter` in 0...1 picks a point in the upper half of the step: delay × (0.5 + jitter / 2).
    package func delayMilliseconds(afterFailedAttempts failedAttempts: Int, jitter: Double) -> Int64? {
        guard failedAttempts >= 1, failedAttempts < maxAttempts else { return nil }
        var step = initialDelayMilliseconds
        for _ in 1..<failedAttempts {
            let (next, overflow) = step.multipliedReportingOverflow(by: multiplier)
            step = overflow ? maxDelayMilliseconds : min(next, maxDelayMilliseconds)
        }
        step = min(step, maxDelayMilliseconds)
        let clamped = min(max(jitter, 0), 1)
        return step / 2 + Int64((Double(step) / 2 * clamped).rounded())
    }
}
