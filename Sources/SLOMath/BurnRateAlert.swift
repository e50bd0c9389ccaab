/// One multi-window burn-rate condition (Google SRE workbook, "Alerting on SLOs"; BRIEF §3): the error
/// ratio over both the long and the short window is at least `factor` times the error budget.
package struct BurnRateAlert: Sendable, Equatable, Codable {
    package enum Severity: String, Sendable, Codable {
        case page, ticket
    }

    package var severity: Severity
    /// Seconds.
    package var longWindow: Double
    /// Seconds; a twelfth of the long window, so the alert resets minutes after the errors stop.
    package var shortWindow: Double
    package var factor: Double
    /// The share of the period's budget spent when it fires at a constant burn: factor × long ÷ period.
    package var budgetSpent: Double

    package init(severity: Severity, longWindow: Double, shortWindow: Double, factor: Double, budgetSpent: Double) {
        self.severity = severity
        self.longWindow = longWindow
        self.shortWindow = shortWindow
        self.factor = factor
        self.budgetSpent = budgetSpent
    }

    static let hour = 3_600.0
    static let day = 86_400.0
    /// The period the workbook's table is written for.
    package static let referencePeriod = 30 * day

    /// The workbook's four conditions for a 30-day period.
    package static let reference: [BurnRateAlert] = [
        BurnRateAlert(severity: .page, longWindow: hour, shortWindow: 5 * 60, factor: 14.4, budgetSpent: 0.02),
        BurnRateAlert(severity: .page, longWindow: 6 * hour, shortWindow: 30 * 60, factor: 6, budgetSpent: 0.05),
        BurnRateAlert(severity: .ticket, longWindow: day, shortWindow: 2 * hour, factor: 3, budgetSpent: 0.10),
        BurnRateAlert(severity: .ticket, longWindow: 3 * day, shortWindow: 6 * hour, factor: 1, budgetSpent: 0.10),
    ]

    /// The four conditions for `period` seconds. From a week up, the windows stay as in the table and the
    /// factors follow the same budget shares (factor = share × period ÷ long window: 13.44, 5.6, 2.8 and
    /// 0.933 for 28 days; 175.2 for a year's one-hour page). Below a week the windows shrink with the
    /// period and the factors stay, so an SLO with a one-day period pages after the same share of its
    /// budget: with the table's windows a burn below 1× would page it. `resolution` rounds the windows to
    /// whole multiples of it, at least one: a rule's range over less than a scrape or two holds no rate.
    package static func conditions(forPeriod period: Double, resolution: Double = 0) -> [BurnRateAlert] {
        if period >= 7 * day {
            return reference.map { alert in
                var scaled = alert
                scaled.factor = alert.budgetSpent * period / alert.longWindow
                return scaled
            }
        }
        let scale = period / referencePeriod
        func rounded(_ window: Double) -> Double {
            resolution > 0 ? max((window / resolution).rounded(), 1) * resolution : window
        }
        return reference.map { alert in
            var scaled = alert
            scaled.longWindow = rounded(alert.longWindow * scale)
            scaled.shortWindow = rounded(alert.shortWindow * scale)
            scaled.budgetSpent = alert.factor * scaled.longWindow / period
            return scaled
        }
    }

    /// Whether any error ratio can reach this condition for an objective's `budget`: a factor above
    /// 1 ÷ budget needs more than every request to fail (14.4× a 93% objective's 7% budget is 100.8%).
    package func canFire(budget: Double) -> Bool { isReached(by: 1, budget: budget) }

    /// The error ratio at which this condition holds for an objective's `budget` (1 − objective).
    package func threshold(budget: Double) -> Double { factor * budget }

    /// How far below the threshold, relatively, a ratio still reaches it: a ratio equal to it in exact
    /// arithmetic counts, whatever the rounding of factor × budget here or of summed rates in Prometheus
    /// (both err by about 1e-15). The generated rules compare with the same margin (`PrometheusRules`).
    package static let tieTolerance = 1e-9

    /// Whether `errorRatio` is at the threshold or above, a tie included.
    package func isReached(by errorRatio: Double, budget: Double) -> Bool {
        errorRatio >= threshold(budget: budget) * (1 - Self.tieTolerance)
    }

    /// Whether `errorRatio` is above the threshold by more than rounding: a tie does not count.
    package func isExceeded(by errorRatio: Double, budget: Double) -> Bool {
        errorRatio > threshold(budget: budget) * (1 + 1e-9)
    }

    /// How long after errors step from none to `errorRatio` (constant) this fires: the long window must
    /// fill to `factor × budget` (BRIEF §3: budget ÷ e × W × factor); nil when it never does.
    package func timeToFire(errorRatio: Double, budget: Double) -> Double? {
        guard isReached(by: errorRatio, budget: budget), errorRatio > 0 else { return nil }
        return budget / errorRatio * longWindow * factor
    }

    /// The same for errors at `errorRatio` from `start` to `end` only, on traffic that varies:
    /// `traffic(a, b)` is the volume between two times (any unit; only its shape matters). Each window's
    /// error ratio is then errorRatio × traffic(errors in the window) ÷ traffic(window), so an incident that
    /// begins in a quiet night fills a one-day window more slowly than BRIEF §3's formula, which assumes
    /// constant traffic and which this equals under it. Searched every `resolution` seconds up to the time
    /// the short window forgets the incident, then narrowed by bisection; nil when it never holds.
    package func timeToFire(
        errorRatio: Double, budget: Double, from start: Double, to end: Double, resolution: Double = 10, traffic: (Double, Double) -> Double
    ) -> Double? {
        guard errorRatio > 0, end > start else { return nil }
        func reached(_ window: Double, at time: Double) -> Bool {
            let volume = traffic(time - window, time)
            guard volume > 0 else { return false }
            let failing = traffic(max(start, time - window), min(end, time))
            return isReached(by: errorRatio * failing / volume, budget: budget)
        }
        func holds(_ time: Double) -> Bool { reached(longWindow, at: time) && reached(shortWindow, at: time) }
        var time = start + resolution
        while time <= end + shortWindow {
            if holds(time) {
                var (low, high) = (time - resolution, time)
                for _ in 0..<40 {
                    let middle = (low + high) / 2
                    if holds(middle) { high = middle } else { low = middle }
                }
                return high - start
            }
            time += resolution
        }
        return nil
    }
}
