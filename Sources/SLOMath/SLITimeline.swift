/// Good and total counts in equal steps of time (the SLI's numerator and denominator, summed separately),
/// with the sums over any trailing window in constant time. What `shop-slo eval` runs the alert
/// conditions over, on a load test's own clock or on a range read from Prometheus.
package struct SLITimeline: Sendable {
    /// Seconds per step.
    package let step: Double
    /// Running sums from the start: `bad[i]` and `total[i]` cover steps 0..<i.
    private var badSums: [Double] = [0]
    private var totalSums: [Double] = [0]

    package init(step: Double) {
        self.step = step
    }

    package var count: Int { totalSums.count - 1 }

    /// Appends the next step's counts.
    package mutating func append(bad: Double, total: Double) {
        badSums.append(badSums[badSums.count - 1] + bad)
        totalSums.append(totalSums[totalSums.count - 1] + total)
    }

    /// Bad and total over the `window` seconds ending with step `index` (inclusive); a window longer than
    /// the timeline so far covers what there is.
    package func sums(window: Double, endingAt index: Int) -> (bad: Double, total: Double) {
        let end = min(index + 1, count)
        let steps = max(Int((window / step).rounded()), 1)
        let start = max(end - steps, 0)
        return (badSums[end] - badSums[start], totalSums[end] - totalSums[start])
    }

    package func errorRatio(window: Double, endingAt index: Int) -> Double? {
        let (bad, total) = sums(window: window, endingAt: index)
        return total > 0 ? bad / total : nil
    }

    /// Whether `alert` holds at step `index`: both windows at the threshold for `budget`, and at least
    /// `minimumRequests` (and one) in the long window, the low-traffic guard.
    /// With `ties: false`, a window exactly at the threshold, or a long window holding exactly the minimum,
    /// does not count (see `tiedSteps`).
    package func holds(_ alert: BurnRateAlert, budget: Double, minimumRequests: Double = 0, at index: Int, ties: Bool = true) -> Bool {
        let long = sums(window: alert.longWindow, endingAt: index)
        let short = errorRatio(window: alert.shortWindow, endingAt: index) ?? 0
        let minimum = max(minimumRequests, 1)
        guard ties ? long.total >= minimum : long.total > minimum + 0.5 else { return false }
        return ties
            ? alert.isReached(by: long.bad / long.total, budget: budget) && alert.isReached(by: short, budget: budget)
            : alert.isExceeded(by: long.bad / long.total, budget: budget) && alert.isExceeded(by: short, budget: budget)
    }

    /// Steps where whether any of `alerts` holds depends on how an exact tie goes: a window's error ratio
    /// equal to a threshold, or a long window holding exactly the minimum. Counts are whole numbers, so a
    /// replay lands on such ties (242 bad of 4,840 is exactly 1× a 95% objective's budget). These sums
    /// call a tie reached; Prometheus reaches the same quotient through per-second rates summed in
    /// floating point, and its `>=` may then go either way.
    package func tiedSteps(_ alerts: [BurnRateAlert], budget: Double, minimumRequests: Double = 0) -> Set<Int> {
        Set(
            (0..<count).filter { index in
                let lenient = alerts.contains { holds($0, budget: budget, minimumRequests: minimumRequests, at: index) }
                let strict = alerts.contains { holds($0, budget: budget, minimumRequests: minimumRequests, at: index, ties: false) }
                return lenient != strict
            })
    }

    /// Every interval during which `alert` holds for `budget`, as step indices (start inclusive, end
    /// exclusive), with `minimumRequests` in the long window as the low-traffic guard.
    package func firing(_ alert: BurnRateAlert, budget: Double, minimumRequests: Double = 0) -> [Range<Int>] {
        var intervals: [Range<Int>] = []
        var start: Int?
        for index in 0..<count {
            let holds = holds(alert, budget: budget, minimumRequests: minimumRequests, at: index)
            if holds, start == nil { start = index }
            if !holds, let begun = start {
                intervals.append(begun..<index)
                start = nil
            }
        }
        if let begun = start { intervals.append(begun..<count) }
        return intervals
    }
}
