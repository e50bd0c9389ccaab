import Foundation
import SLOMath
import SLOSpec
import ShopSupport

/// Error-budget reports from a Prometheus server: the SLI's counters summed over each window ending now,
/// with the same expressions the generated rules record (so it works whether or not the rules are loaded).
package struct PrometheusSource: Sendable {
    package let api: PrometheusAPI

    package init(api: PrometheusAPI) { self.api = api }

    /// Bad and total requests over the `seconds` up to `time`; both 0 when there was no traffic. Both are
    /// evaluated at the same pinned instant: asked for "now" one after the other, the bad count could
    /// take in a scrape the total had not (slo-generator's #319).
    func sums(_ slo: ServiceLevelObjective, seconds: Double, at time: Date) async throws(PrometheusAPI.Failure) -> (bad: Double, total: Double) {
        let range = DurationText.exact(seconds)
        let query = slo.indicator.query
        let total = try await api.scalar("(\(query.totalRate(range))) * \(PrometheusRules.number(seconds))", at: time) ?? 0
        let bad = total > 0 ? try await api.scalar("(\(query.badRate(range))) * \(PrometheusRules.number(seconds))", at: time) ?? 0 : 0
        return (min(max(bad, 0), total), total)
    }

    /// The report as of `now`: every window's counts evaluated at that one instant. With `synthetic`, also what
    /// rehearsals' requests did over the period (two more queries, which the alerter does without).
    package func report(
        _ slo: ServiceLevelObjective, now: Date = Date(), synthetic: Bool = false
    ) async throws(PrometheusAPI.Failure)
        -> BudgetReport
    {
        var counts: [Double: (bad: Double, total: Double)] = [:]
        let windows = slo.recordedWindows.filter { $0 < slo.period.seconds }
        for window in windows { counts[window] = try await sums(slo, seconds: window, at: now) }
        let period = max(slo.period.calendarMonth ? Self.secondsIntoMonth(now) : slo.period.seconds, 60)
        let whole = try await sums(slo, seconds: period, at: now)
        var report = BudgetReport.make(slo, source: api.baseURL, periodSums: whole) { counts[$0] ?? (0, 0) }
        if synthetic, let only = slo.indicator.counting(.only) {
            var rehearsals = slo
            rehearsals.indicator = only
            let spent = try await sums(rehearsals, seconds: period, at: now)
            // Left out, they are not in `whole`: had they counted, the budget would have been for them too.
            let counted = slo.indicator.synthetic != .excluded
            let allowed = slo.errorBudget.budget * (whole.total + (counted ? 0 : spent.total))
            report.synthetic = BudgetReport.Synthetic(
                requests: spent.total, badRequests: spent.bad, counted: counted, budgetShare: allowed > 0 ? spent.bad / allowed : nil)
        }
        return report
    }

    /// Seconds since the first of `now`'s month, UTC.
    static func secondsIntoMonth(_ now: Date) -> Double {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.date(from: calendar.dateComponents([.year, .month], from: now))!
        return now.timeIntervalSince(start)
    }
}
