import Foundation
import SLOMath
import ShopSupport

/// What `shop-slo eval` says of one SLO: the SLI over what the source holds of the period, the budget's
/// standing (as a ratio, in requests and in minutes of full outage), the burn over each alert window,
/// time to exhaustion, and which alerts fire. From a load result it also lists when each alert would have
/// fired during the replay and what each phase of the profile burned, on the profile's clock.
package struct BudgetReport: Codable, Sendable {
    package var slo: String
    package var displayName: String
    package var objective: Double
    package var periodSeconds: Double
    /// Where the counts came from: a Prometheus URL or a result file.
    package var source: String
    /// Set when the source cannot measure this SLO (a PromQL ratio from a load result); nothing else is.
    package var unmeasured: String?
    package var requests: Double = 0
    package var badRequests: Double = 0
    /// Good share; nil without traffic.
    package var sli: Double?
    package var budget: Budget?
    package var windows: [WindowBurn] = []
    /// The burn over the first page condition's long window (1h for 30 days), the one time to exhaustion
    /// assumes goes on.
    package var currentBurnRate: Double?
    package var currentBurnWindow: String?
    package var timeToExhaustionSeconds: Double?
    /// Severities whose conditions hold at the end of the data, each with the long-window burn of the
    /// first condition that holds (what the alert's description shows).
    package var firing: [Firing] = []
    /// When each severity held during a replay, on the profile's clock.
    package var alertIntervals: [AlertInterval]?
    package var phases: [Phase]?
    /// What rehearsals' requests (`synthetic="true"`) did over the period, when the SLI can tell them apart.
    package var synthetic: Synthetic?

    package struct Synthetic: Codable, Sendable, Equatable {
        package var requests: Double
        package var badRequests: Double
        /// Whether they count in the SLI (false with `excludeSynthetic`).
        package var counted: Bool
        /// Their bad requests as a share of the period's budget: what they spent, or (left out) what they would
        /// have spent had they counted; nil without traffic.
        package var budgetShare: Double?

        package init(requests: Double, badRequests: Double, counted: Bool, budgetShare: Double?) {
            self.requests = requests
            self.badRequests = badRequests
            self.counted = counted
            self.budgetShare = budgetShare
        }
    }

    package struct Budget: Codable, Sendable {
        /// Bad requests the objective allows for the traffic seen.
        package var allowedRequests: Double
        package var spent: Double
        package var left: Double
        package var leftRequests: Double
        package var leftOutageMinutes: Double
    }

    package struct WindowBurn: Codable, Sendable {
        package var window: String
        package var seconds: Double
        package var requests: Double
        package var errorRatio: Double?
        package var burnRate: Double?
    }

    package struct Firing: Codable, Sendable, Equatable {
        package var severity: String
        package var burnRate: Double
    }

    package struct AlertInterval: Codable, Sendable, Equatable {
        package var severity: String
        package var startSeconds: Double
        /// Nil while it still holds at the end of the replay.
        package var endSeconds: Double?

        package init(severity: String, startSeconds: Double, endSeconds: Double?) {
            self.severity = severity
            self.startSeconds = startSeconds
            self.endSeconds = endSeconds
        }
    }

    package struct Phase: Codable, Sendable {
        package var name: String
        package var startSeconds: Double
        package var endSeconds: Double
        package var requests: Double
        package var badRequests: Double
        package var burnRate: Double?
        /// Share of the replay's whole budget this phase spent.
        package var budgetSpent: Double
    }

    package init(_ slo: ServiceLevelObjective, source: String) {
        self.slo = slo.name
        displayName = slo.displayName
        objective = slo.objective
        periodSeconds = slo.period.seconds
        self.source = source
    }

    /// A report from counts over windows ending now: `sums(window)` gives bad and total over the trailing
    /// `window` seconds, and `periodSums` over the period (or what the source holds of it).
    package static func make(
        _ slo: ServiceLevelObjective, source: String, periodSums: (bad: Double, total: Double), sums: (Double) -> (bad: Double, total: Double)
    ) -> BudgetReport {
        var report = BudgetReport(slo, source: source)
        let budget = slo.errorBudget
        report.requests = periodSums.total
        report.badRequests = periodSums.bad
        report.sli = periodSums.total > 0 ? 1 - periodSums.bad / periodSums.total : nil
        let standing = budget.standing(bad: periodSums.bad, total: periodSums.total)
        report.budget = Budget(
            allowedRequests: standing.allowedRequests, spent: standing.spent, left: standing.left, leftRequests: standing.leftRequests,
            leftOutageMinutes: standing.leftOutageMinutes)
        var burns: [Double: (bad: Double, total: Double)] = [:]
        for window in slo.recordedWindows where window < slo.period.seconds {
            let counts = sums(window)
            burns[window] = counts
            let ratio = counts.total > 0 ? counts.bad / counts.total : nil
            report.windows.append(
                WindowBurn(
                    window: DurationText.exact(window), seconds: window, requests: counts.total, errorRatio: ratio,
                    burnRate: ratio.map(budget.burnRate)))
        }
        let conditions = slo.alertConditions
        if let first = conditions.first, let counts = burns[first.longWindow], counts.total > 0 {
            let burn = budget.burnRate(errorRatio: counts.bad / counts.total)
            report.currentBurnRate = burn
            report.currentBurnWindow = DurationText.exact(first.longWindow)
            report.timeToExhaustionSeconds = standing.timeToExhaustion(burnRate: burn)
        }
        for severity in [BurnRateAlert.Severity.page, .ticket] {
            let holding = conditions.filter { $0.severity == severity }.first { alert in
                guard let long = burns[alert.longWindow], let short = burns[alert.shortWindow], long.total >= max(slo.minimumRequests, 1),
                    short.total > 0
                else { return false }
                return alert.isReached(by: long.bad / long.total, budget: budget.budget)
                    && alert.isReached(by: short.bad / short.total, budget: budget.budget)
            }
            if let alert = holding, let long = burns[alert.longWindow] {
                report.firing.append(Firing(severity: severity.rawValue, burnRate: budget.burnRate(errorRatio: long.bad / long.total)))
            }
        }
        return report
    }

    /// A report over a replay's timeline (steps of the profile's clock from `start` seconds): the period
    /// is the whole replay, the windows end with it, and the alerts and phases are found along it.
    package static func make(
        _ slo: ServiceLevelObjective, source: String, timeline: SLITimeline, start: Double, phases: [(name: String, start: Double, end: Double)]
    ) -> BudgetReport {
        let last = timeline.count - 1
        let whole = timeline.sums(window: timeline.step * Double(timeline.count), endingAt: last)
        var report = make(slo, source: source, periodSums: whole) { window in timeline.sums(window: window, endingAt: last) }
        var intervals: [AlertInterval] = []
        for severity in [BurnRateAlert.Severity.page, .ticket] {
            var holding = Array(repeating: false, count: timeline.count)
            for alert in slo.alertConditions where alert.severity == severity {
                for range in timeline.firing(alert, budget: slo.errorBudget.budget, minimumRequests: slo.minimumRequests) {
                    for index in range { holding[index] = true }
                }
            }
            var begun: Int?
            for index in 0...timeline.count {
                let on = index < timeline.count && holding[index]
                if on, begun == nil { begun = index }
                if !on, let from = begun {
                    // Step i ends at start + (i + 1) × step: that is when its window's counts are known.
                    intervals.append(
                        AlertInterval(
                            severity: severity.rawValue, startSeconds: start + Double(from + 1) * timeline.step,
                            endSeconds: index < timeline.count ? start + Double(index + 1) * timeline.step : nil))
                    begun = nil
                }
            }
        }
        report.alertIntervals = intervals.sorted { $0.startSeconds < $1.startSeconds }
        let allowed = slo.errorBudget.budget * whole.total
        report.phases = phases.map { phase in
            let first = max(Int(((phase.start - start) / timeline.step).rounded()), 0)
            let end = min(Int(((phase.end - start) / timeline.step).rounded()), timeline.count)
            let counts = end > first ? timeline.sums(window: Double(end - first) * timeline.step, endingAt: end - 1) : (bad: 0, total: 0)
            return Phase(
                name: phase.name, startSeconds: phase.start, endSeconds: phase.end, requests: counts.total, badRequests: counts.bad,
                burnRate: counts.total > 0 ? slo.errorBudget.burnRate(errorRatio: counts.bad / counts.total) : nil,
                budgetSpent: allowed > 0 ? counts.bad / allowed : 0)
        }
        return report
    }
}
