import Foundation
import SLOMath
import ShopSupport
import Yams

/// The same scenarios on `SLITimeline`, where shop-slo's maths says what must fire and when.
extension RuleTests {
    /// Step i runs from sample i to sample i + 1, so an evaluation at sample T sees the steps before T.
    static func timeline(_ segments: [Segment], stepMinutes: Int) -> SLITimeline {
        var line = SLITimeline(step: Double(stepMinutes) * 60)
        for segment in segments {
            for _ in 0..<segment.steps { line.append(bad: segment.bad, total: segment.total) }
        }
        return line
    }

    static func holds(_ slo: ServiceLevelObjective, _ severity: BurnRateAlert.Severity, _ line: SLITimeline, at sample: Int) -> Bool {
        burn(slo, severity, line, at: sample) != nil
    }

    /// The alert expression's value at `sample`: the long-window burn of the first condition that holds.
    static func burn(_ slo: ServiceLevelObjective, _ severity: BurnRateAlert.Severity, _ line: SLITimeline, at sample: Int) -> Double? {
        guard sample >= 1 else { return nil }
        for alert in slo.alertConditions where alert.severity == severity {
            if line.holds(alert, budget: slo.errorBudget.budget, minimumRequests: slo.minimumRequests, at: sample - 1) {
                return (line.errorRatio(window: alert.longWindow, endingAt: sample - 1) ?? 0) / slo.errorBudget.budget
            }
        }
        return nil
    }

    /// Requests per minute in the tests: ten times the low-traffic guard, and enough that a 1× burn is a
    /// whole bad request a minute (at 99.999%, 1,000 a minute would round 0.01 bad to 1/64, a 1.6× burn).
    static func testTraffic(_ slo: ServiceLevelObjective) -> Double {
        max(1_000, slo.minimumRequests * 10, (1 / slo.errorBudget.budget).rounded(.up))
    }

    /// The bad share a segment of `perMinute` requests at `share` really holds, its counts rounded to 64ths:
    /// what the expected times are computed from.
    static func realized(_ share: Double, perMinute: Double, stepMinutes: Int = 1) -> Double {
        let segment = Segment(minutes: stepMinutes, perMinute: perMinute, badShare: share, stepMinutes: stepMinutes)
        return segment.bad / segment.total
    }

    /// Whether an alert seen `minutes` after the step is at the first sample (every `step` minutes) at or
    /// after `expected` (a fraction of a minute), allowing for the rounding of `expected`.
    static func firstStep(_ minutes: Int, reaching expected: Double, step: Int = 1) -> Bool {
        Double(minutes) >= expected - 1e-6 && Double(minutes) < expected + Double(step) - 1e-6
    }

    /// Why no condition of a severity can fire, for a scenario's name.
    static func impossible(_ conditions: [BurnRateAlert], budget: Double) -> String {
        let needs = conditions.map { "\(number($0.factor))× needs \(PrometheusRules.percent($0.threshold(budget: budget))) of requests failing" }
        return needs.joined(separator: ", ") + " (at most 100%)"
    }

    static func firstStep(after start: Int, in line: SLITimeline, where condition: (SLITimeline, Int) -> Bool) -> Int? {
        (start + 1...line.count).first { condition(line, $0) }
    }
}
