import Foundation
import SLOMath
import ShopSupport

/// What `shop-slo eval` says of one SLO: the SLI over what the source holds of the period, the budget's
/// standing (as a ratio, in requests and in minutes of full outage), the burn over each alert window,
/// time to exhaustion, and which alerts fire. From a load result it also lists when each alert would have
/// fired during the replay and what each phase of the profile burned, on the profile's clock.
public struct BudgetReport: Codable, Sendable {
    public var slo: String
    public var displayName: String
    public var objective: Double
    public var periodSeconds: Double
    /// Where the counts came from: a Prometheus URL or a result file.
    public var source: String
    /// Set when the source cannot measure this SLO (a PromQL ratio from a load result); nothing else is.
    public var unmeasured: String?
    public var requests: Double = 0
    public var badRequests: Double = 0
    /// Good share; nil without traffic.
    public var sli: Double?
    public var budget: Budget?
    public var windows: [WindowBurn] = []
    /// The burn over the first page condition's long window (1h for 30 days), the one time to exhaustion
    /// assumes goes on.
    public var currentBurnRate: Double?
    public var currentBurnWindow: String?
    public var timeToExhaustionSeconds: Double?
    /// Severities whose conditions hold at the end of the data, each with the long-window burn of the
    /// first condition that holds (what the alert's description shows).
    public var firing: [Firing] = []
    /// When each severity held during a replay, on the profile's clock.
    public var alertIntervals: [AlertInterval]?
    public var phases: [Phase]?

    public struct Budget: Codable, Sendable {
        /// Bad requests the objective allows for the traffic seen.
        public var allowedRequests: Double
        public var spent: Double
        public var left: Double
        public var leftRequests: Double
        public var leftOutageMinutes: Double
    }

    public struct WindowBurn: Codable, Sendable {
        public var window: String
        public var seconds: Double
        public var requests: Double
        public var errorRatio: Double?
        public var burnRate: Double?
    }

    public struct Firing: Codable, Sendable, Equatable {
        public var severity: String
        public var burnRate: Double
    }

    public struct AlertInterval: Codable, Sendable, Equatable {
        public var severity: String
        public var startSeconds: Double
        /// Nil while it still holds at the end of the replay.
        public var endSeconds: Double?

        public init(severity: String, startSeconds: Double, endSeconds: Double?) {
            self.severity = severity
            self.startSeconds = startSeconds
            self.endSeconds = endSeconds
        }
    }

    public struct Phase: Codable, Sendable {
        public var name: String
        public var startSeconds: Double
        public var endSeconds: Double
        public var requests: Double
        public var badRequests: Double
        public var burnRate: Double?
        /// Share of the replay's whole budget this phase spent.
        public var budgetSpent: Double
    }

    public init(_ slo: ServiceLevelObjective, source: String) {
        self.slo = slo.name
        displayName = slo.displayName
        objective = slo.objective
        periodSeconds = slo.period.seconds
        self.source = source
    }

    /// A report from counts over windows ending now: `sums(window)` gives bad and total over the trailing
    /// `window` seconds, and `periodSums` over the period (or what the source holds of it).
    public static func make(
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
    public static func make(
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
