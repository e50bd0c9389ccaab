import Foundation
import ShopSupport

/// `shop-slo eval`'s text output: a block per SLO.
package enum BudgetReportText {
    package static func render(_ reports: [BudgetReport]) -> String {
        reports.map(block).joined(separator: "\n\n")
    }

    static func block(_ report: BudgetReport) -> String {
        var lines = [
            "\(report.slo)  \(PrometheusRules.percent(report.objective)) over \(DurationText.text(report.periodSeconds))  (\(report.displayName); \(report.source))"
        ]
        if let unmeasured = report.unmeasured {
            lines.append("  not evaluated: \(unmeasured)")
            return lines.joined(separator: "\n")
        }
        guard let sli = report.sli, let budget = report.budget else {
            lines.append("  no requests: nothing to evaluate")
            if let synthetic = report.synthetic { lines.append("  synthetic " + syntheticLine(synthetic)) }
            return lines.joined(separator: "\n")
        }
        lines.append("  requests \(count(report.requests))  bad \(count(report.badRequests))  SLI \(percent(sli, digits: 3))")
        lines.append(
            "  budget   spent \(percent(budget.spent, digits: 1))  left \(percent(budget.left, digits: 1)) = \(count(budget.leftRequests)) requests"
                + " = \(String(format: "%.1f", budget.leftOutageMinutes)) min of full outage")
        if let synthetic = report.synthetic {
            lines.append("  synthetic " + syntheticLine(synthetic))
        }
        lines.append("  burn     " + report.windows.map { "\($0.window) \($0.burnRate.map { rate($0) } ?? "-")" }.joined(separator: "  "))
        if let burn = report.currentBurnRate {
            let exhaustion =
                report.timeToExhaustionSeconds.map { "budget gone in \(DurationText.text(($0 / 60).rounded() * 60))" }
                ?? (budget.left <= 0 ? "budget already spent" : "not burning")
            lines.append("  now      \(rate(burn)) over \(report.currentBurnWindow ?? "-"): \(exhaustion)")
        }
        lines.append(
            "  firing   "
                + (report.firing.isEmpty ? "nothing" : report.firing.map { "\($0.severity) (\(rate($0.burnRate)))" }.joined(separator: ", ")))
        if let intervals = report.alertIntervals {
            lines.append("  alerts during the replay (profile clock):" + (intervals.isEmpty ? " none" : ""))
            for interval in intervals {
                lines.append(
                    "    \(interval.severity.padding(toLength: 6, withPad: " ", startingAt: 0)) \(clock(interval.startSeconds)) – \(interval.endSeconds.map(clock) ?? "end")"
                )
            }
        }
        if let phases = report.phases, !phases.isEmpty {
            lines.append("  budget by phase (profile clock):")
            for phase in phases {
                lines.append(
                    "    \(clock(phase.startSeconds)) – \(clock(phase.endSeconds))  \(phase.name.padding(toLength: 28, withPad: " ", startingAt: 0))"
                        + "  \(count(phase.badRequests).leftPadded(8)) bad of \(count(phase.requests).leftPadded(9))  burn \((phase.burnRate.map { rate($0) } ?? "-").leftPadded(8))"
                        + "  spent \(percent(phase.budgetSpent, digits: 1))")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// What rehearsals did: `1,204 requests, 12 bad: spent 3.1% of the budget`.
    static func syntheticLine(_ synthetic: BudgetReport.Synthetic) -> String {
        guard synthetic.requests > 0 else { return "none in the period" }
        let share = synthetic.budgetShare.map { percent($0, digits: 1) } ?? "-"
        return "\(count(synthetic.requests)) requests, \(count(synthetic.badRequests)) bad: "
            + (synthetic.counted ? "spent \(share) of the budget" : "left out (excludeSynthetic); counted, they would have spent \(share)")
    }

    static func count(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = value.magnitude < 10 && value != value.rounded() ? 1 : 0
        return formatter.string(from: NSNumber(value: value)) ?? "\(value)"
    }

    static func percent(_ share: Double, digits: Int) -> String { String(format: "%.\(digits)f%%", share * 100) }
    static func rate(_ burn: Double) -> String { String(format: burn < 10 ? "%.2f×" : "%.1f×", burn) }
    /// Profile seconds as `hh:mm:ss` up to two days (a day's end reads 24:00:00), then `day N hh:mm:ss`.
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total <= 48 * 3_600 { return String(format: "%02d:%02d:%02d", total / 3_600, total % 3_600 / 60, total % 60) }
        let rest = total % 86_400
        return "day \(total / 86_400 + 1) " + String(format: "%02d:%02d:%02d", rest / 3_600, rest % 3_600 / 60, rest % 60)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
