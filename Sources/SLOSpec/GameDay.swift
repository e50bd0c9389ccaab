import Foundation
import SLOMath

/// A game day's verdict: for each scheduled incident, whether the right alert caught it in time (BRIEF §3's
/// detection time plus a tolerance), how fast it reset and what budget it spent; every alert that fired
/// with what caused it; recall and precision; and whether shop-slo's budget agrees with the load
/// generator's own count. It fails on a missed incident, a late detection, an alert during an incident
/// that must raise none, a page outside every incident, or a budget disagreement over 1%.
package struct GameDayVerdict: Codable, Sendable {
    package struct Incident: Codable, Sendable {
        package var name: String
        package var slo: String
        package var expect: String
        package var startSeconds: Double
        package var endSeconds: Double
        /// Bad share of the SLI's events during the incident (the service's count).
        package var errorRatio: Double
        /// BRIEF §3: budget ÷ error ratio × long window × factor, the soonest condition of the expected
        /// severity (constant traffic).
        package var formulaDetectionSeconds: Double?
        /// The same conditions on the profile's own traffic over the incident's hours
        /// (`BurnRateAlert.timeToFire(…traffic:)`), plus the incident's count delay: what detection is held to.
        package var expectedDetectionSeconds: Double?
        /// Of which the count delay (see `GameDay.ScheduledIncident.countDelay`).
        package var countDelaySeconds: Double
        package var observedDetectionSeconds: Double?
        /// From the incident's end to the expected alert's end.
        package var resetSeconds: Double?
        /// Share of the period's budget (for the traffic of the whole replay) the incident spent.
        package var budgetSpent: Double
        /// caught, late, missed, quiet (nothing expected, nothing fired) or alerted (something fired when nothing should).
        package var outcome: String
        package var passed: Bool
    }

    package struct Alert: Codable, Sendable {
        package var slo: String
        package var severity: String
        package var startSeconds: Double
        package var endSeconds: Double?
        /// The incident it overlaps, if any.
        package var incident: String?
    }

    package struct Budget: Codable, Sendable {
        package var slo: String
        package var serviceBad: Double
        package var serviceTotal: Double
        package var loadBad: Double?
        package var loadTotal: Double?
        package var serviceSpent: Double
        package var loadSpent: Double?
        package var agrees: Bool
        /// Held to 1% for availability and ratio SLIs. A latency seen from the client adds the network and
        /// the client's own waiting, so the two counts are shown side by side, not held to each other.
        package var asserted: Bool
    }

    package var incidents: [Incident]
    package var alerts: [Alert]
    package var budgets: [Budget]
    /// Incidents that expect an alert and were caught in time, over those that expect one.
    package var recall: Double
    /// Alerts that overlap an incident, over all alerts.
    package var precision: Double
    package var falsePages: Int
    /// Whether Prometheus's rule engine fired exactly the same alerts on the same data; nil until checked.
    package var prometheusAgrees: Bool?
    package var prometheusReport: String?
    /// Boundaries the rule engine was not held to because the outcome there rests on an exact tie.
    package var prometheusTies: Int?
    package var tolerance: String

    package var passed: Bool {
        incidents.allSatisfy(\.passed) && falsePages == 0 && budgets.allSatisfy { $0.agrees || !$0.asserted } && prometheusAgrees != false
    }
}

package enum GameDay {
    package struct ScheduledIncident: Sendable {
        package var name: String
        package var slo: String
        /// page, ticket or none.
        package var expect: String
        package var start: Double
        package var end: Double
        /// Profile seconds by which the incident's requests are counted late: a request is counted when it
        /// completes, and a latency injected on the wall clock lasts latency × speed on the profile's clock
        /// (400 ms at 2,880× is 19 minutes). Added to the expected detection time.
        package var countDelay: Double

        package init(name: String, slo: String, expect: String, start: Double, end: Double, countDelay: Double = 0) {
            self.name = name
            self.slo = slo
            self.expect = expect
            self.start = start
            self.end = end
            self.countDelay = countDelay
        }
    }

    /// Detection may be this late: two steps (an alert is seen at a step's end, and the step holding the
    /// incident's start is partly before it) and a tenth of the expected time (traffic varies by hour).
    package static func tolerance(expected: Double, step: Double) -> Double { 2 * step + 0.1 * expected }

    /// `traffic(a, b)` is the profile's traffic between two of its times, in any unit (its shape is what
    /// moves the expected detection times); constant by default.
    package static func verdict(
        slos: [ServiceLevelObjective], incidents: [ScheduledIncident], service: [String: SLITimeline], load: [String: SLITimeline],
        traffic: (Double, Double) -> Double = { $1 - $0 }
    ) -> GameDayVerdict {
        var alerts: [GameDayVerdict.Alert] = []
        var rows: [GameDayVerdict.Incident] = []
        var budgets: [GameDayVerdict.Budget] = []
        let step = service.values.first?.step ?? 300
        for slo in slos {
            guard let line = service[slo.name], line.count > 0 else { continue }
            let report = BudgetReport.make(slo, source: "game day", timeline: line, start: 0, phases: [])
            let allowance = slo.alertConditions.map(\.shortWindow).max() ?? 0
            for interval in report.alertIntervals ?? [] {
                // Caused by an incident that should raise alerts, when it overlaps one (with the time a short
                // window takes to forget it); an alert during an incident that must raise none is not excused.
                let cause = incidents.first { incident in
                    incident.expect != "none" && interval.startSeconds < incident.end + incident.countDelay + allowance + step
                        && (interval.endSeconds ?? .infinity) > incident.start
                }
                alerts.append(
                    GameDayVerdict.Alert(
                        slo: slo.name, severity: interval.severity, startSeconds: interval.startSeconds, endSeconds: interval.endSeconds,
                        incident: cause?.name))
            }
            let whole = line.sums(window: line.step * Double(line.count), endingAt: line.count - 1)
            let client = load[slo.name].map { $0.sums(window: $0.step * Double($0.count), endingAt: $0.count - 1) }
            let allowed = slo.errorBudget.budget * whole.total
            let serviceSpent = allowed > 0 ? whole.bad / allowed : 0
            let loadSpent = client.map { slo.errorBudget.budget * $0.total > 0 ? $0.bad / (slo.errorBudget.budget * $0.total) : 0 }
            // Within 1% of the budget spent, or within one request where a handful is all there is.
            let agrees = loadSpent.map { abs($0 - serviceSpent) <= 0.01 * max($0, serviceSpent) || abs((client?.bad ?? 0) - whole.bad) <= 1 } ?? true
            let asserted: Bool
            if case .latency = slo.indicator { asserted = false } else { asserted = true }
            budgets.append(
                GameDayVerdict.Budget(
                    slo: slo.name, serviceBad: whole.bad, serviceTotal: whole.total, loadBad: client?.bad, loadTotal: client?.total,
                    serviceSpent: serviceSpent, loadSpent: loadSpent, agrees: agrees, asserted: asserted))

            for incident in incidents where incident.slo == slo.name {
                let first = Int((incident.start / line.step).rounded(.down)), last = Int((incident.end / line.step).rounded(.up))
                let counts =
                    last > first ? line.sums(window: Double(last - first) * line.step, endingAt: min(last, line.count) - 1) : (bad: 0, total: 0)
                let ratio = counts.total > 0 ? counts.bad / counts.total : 0
                let mine = (report.alertIntervals ?? []).filter { interval in
                    interval.startSeconds >= incident.start && interval.startSeconds < incident.end + incident.countDelay + allowance + step
                }
                var row = GameDayVerdict.Incident(
                    name: incident.name, slo: slo.name, expect: incident.expect, startSeconds: incident.start, endSeconds: incident.end,
                    errorRatio: ratio,
                    countDelaySeconds: incident.countDelay, budgetSpent: allowed > 0 ? counts.bad / allowed : 0, outcome: "", passed: false)
                if incident.expect == "none" {
                    row.outcome = mine.isEmpty ? "quiet" : "alerted"
                    row.passed = mine.isEmpty
                } else {
                    let severity = BurnRateAlert.Severity(rawValue: incident.expect) ?? .page
                    let conditions = slo.alertConditions.filter { $0.severity == severity }
                    row.formulaDetectionSeconds = conditions.compactMap { $0.timeToFire(errorRatio: ratio, budget: slo.errorBudget.budget) }.min()
                    let expected = conditions.compactMap {
                        $0.timeToFire(errorRatio: ratio, budget: slo.errorBudget.budget, from: incident.start, to: incident.end, traffic: traffic)
                    }.min().map { $0 + incident.countDelay }
                    row.expectedDetectionSeconds = expected
                    let wrongPage = severity == .ticket && mine.contains { $0.severity == "page" }
                    if let caught = mine.first(where: { $0.severity == incident.expect }) {
                        let observed = caught.startSeconds - incident.start
                        row.observedDetectionSeconds = observed
                        row.resetSeconds = caught.endSeconds.map { $0 - incident.end }
                        let limit = (expected ?? observed) + tolerance(expected: expected ?? observed, step: line.step)
                        row.outcome = observed <= limit ? (wrongPage ? "paged" : "caught") : "late"
                        row.passed = observed <= limit && !wrongPage
                    } else {
                        row.outcome = "missed"
                    }
                }
                rows.append(row)
            }
        }
        let expecting = rows.filter { $0.expect != "none" }
        let caught = expecting.filter(\.passed).count
        let attributed = alerts.filter { $0.incident != nil }.count
        let falsePages = alerts.filter { $0.severity == "page" && $0.incident == nil }.count
        return GameDayVerdict(
            incidents: rows.sorted { $0.startSeconds < $1.startSeconds }, alerts: alerts.sorted { $0.startSeconds < $1.startSeconds },
            budgets: budgets,
            recall: expecting.isEmpty ? 1 : Double(caught) / Double(expecting.count),
            precision: alerts.isEmpty ? 1 : Double(attributed) / Double(alerts.count), falsePages: falsePages,
            prometheusAgrees: nil, prometheusReport: nil, prometheusTies: nil,
            tolerance: "two steps of \(Int(step / 60)) min plus 10% of the expected detection time")
    }
}
