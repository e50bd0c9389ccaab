import Foundation
import SLOMath
import ShopSupport
import Yams

/// The scenarios each test file plays: a page, a ticket, the period's recorded rates, and absent data.
extension RuleTests {
    static func pageFile(_ slo: ServiceLevelObjective, _ series: [(String, TestSeries.Role)], rules: String) throws -> String {
        let budget = slo.errorBudget.budget
        let pages = slo.alertConditions.filter { $0.severity == .page }
        // History enough for the longest page window to hold only good traffic before the step.
        let history = Int((pages.map(\.longWindow).max()! / 60).rounded(.up))
        let traffic = testTraffic(slo)
        var scenarios: [Scenario] = []

        // A step to a burn that pages (20×, or more where the fastest page's factor is higher, as over a
        // year; at most every request failing) pages at the minute BRIEF §3 gives and resets within the
        // longest short page window after it stops. Where no page condition can be met at this objective,
        // every request failing never pages, which is what the maths says and what the test expects.
        let possible = pages.filter { $0.canFire(budget: budget) }
        let pageShare = realized(min(max(20, 1.25 * (possible.map(\.factor).max() ?? 0)) * budget, 1), perMinute: traffic)
        let expected = pages.compactMap { $0.timeToFire(errorRatio: pageShare, budget: budget) }.min().map { $0 / 60 }
        let burning = max(120, Int(((expected ?? 0) * 1.5).rounded(.up)))
        let longestShort = pages.map { Int(($0.shortWindow / 60).rounded(.up)) }.max()!
        let pageSegments = [
            Segment(minutes: history, perMinute: traffic, badShare: 0), Segment(minutes: burning, perMinute: traffic, badShare: pageShare),
            Segment(minutes: max(240, 2 * longestShort), perMinute: traffic, badShare: 0),
        ]
        let pageTimeline = timeline(pageSegments, stepMinutes: 1)
        let stop = history + burning
        if let expected {
            guard let fire = firstStep(after: history, in: pageTimeline, where: { holds(slo, .page, $0, at: $1) }) else {
                throw GenerationError(
                    description: "\(slo.name): a \(number(pageShare / budget))× burn never pages, BRIEF §3 says after \(expected) minutes")
            }
            guard Self.firstStep(fire - history, reaching: expected) else {
                throw GenerationError(description: "\(slo.name): pages \(fire - history) minutes after the step, BRIEF §3 says \(expected)")
            }
            guard let reset = firstStep(after: stop, in: pageTimeline, where: { !holds(slo, .page, $0, at: $1) }) else {
                throw GenerationError(description: "\(slo.name): the page never resets")
            }
            guard reset - stop <= longestShort else {
                throw GenerationError(description: "\(slo.name): resets \(reset - stop) minutes after the errors stop")
            }
            scenarios.append(
                Scenario(
                    name:
                        "a \(number(pageShare / budget))× burn pages \(fire - history) minutes after it starts (BRIEF §3: \(String(format: "%.1f", expected)) min) and resets \(reset - stop) minutes after it stops",
                    segments: pageSegments,
                    checks: [
                        (fire - 1, "a minute before the page"), (fire, "the page"), (reset - 1, "errors stopped; a short window still holds them"),
                        (reset, "reset"),
                    ]))
        } else {
            scenarios.append(
                Scenario(
                    name: "every request failing for \(burning) minutes never pages: \(impossible(pages, budget: budget))",
                    segments: pageSegments,
                    checks: [(history + burning / 2, "half way"), (stop, "as the errors stop")],
                    mustNotPage: true))
        }

        // A burn of exactly 1× spends the budget in exactly the period: no page, whatever the page windows.
        scenarios.append(
            Scenario(
                name: "a 1× burn never pages",
                segments: [
                    Segment(minutes: history, perMinute: traffic, badShare: 0), Segment(minutes: 2 * history, perMinute: traffic, badShare: budget),
                ],
                checks: [
                    (history + history / 6, "a sixth of the longest page window in"), (2 * history, "the longest page window in"),
                    (3 * history, "twice that"),
                ],
                mustNotPage: true))

        // Everything failing at a trickle of traffic: the long windows hold fewer requests than the guard.
        let trickle = Segment.sixtyFourths(slo.minimumRequests / (Double(history) * 2))
        if trickle > 0 {
            scenarios.append(
                Scenario(
                    name:
                        "every request failing at \(number(trickle * 60)) requests an hour does not page (at least \(number(slo.minimumRequests)) in the long window)",
                    segments: [
                        Segment(minutes: history, perMinute: trickle, badShare: 0), Segment(minutes: history, perMinute: trickle, badShare: 1),
                    ],
                    checks: [(history + history / 6, "a sixth of the longest page window in"), (2 * history, "the longest page window in")],
                    mustNotPage: true))
        }
        return try render(slo, scenarios, series: series, rules: rules, stepMinutes: 1, extra: [absentTest(slo, series, traffic: traffic)])
    }

    static func ticketFile(_ slo: ServiceLevelObjective, _ series: [(String, TestSeries.Role)], rules: String) throws -> String {
        let budget = slo.errorBudget.budget
        let tickets = slo.alertConditions.filter { $0.severity == .ticket }
        // Five-minute samples, or the longest step under that which divides every ticket window (whole
        // minutes), so the sums here cover exactly what the rules' ranges do.
        let minutes = tickets.flatMap { [$0.longWindow, $0.shortWindow] }.map { Int(($0 / 60).rounded()) }
        let step = (1...5).reversed().first { step in minutes.allSatisfy { $0 % step == 0 } }!
        let history = Int((tickets.map(\.longWindow).max()! / 60).rounded(.up))
        let traffic = testTraffic(slo)
        // A burn a little above the fastest ticket's factor (3.5× at 30 days), below every page's, opens a
        // ticket when BRIEF §3 says, to the five minutes, and never pages. Where no ticket condition can
        // be met at this objective, every request failing for the longest ticket window opens none.
        let possible = tickets.filter { $0.canFire(budget: budget) }.map(\.factor)
        let slowestPage = slo.alertConditions.filter { $0.severity == .page }.map(\.factor).min()!
        let fastest = possible.max()
        let share = realized(fastest.map { min($0 * 7 / 6, ($0 + slowestPage) / 2, 1 / budget) * budget } ?? 1, perMinute: traffic, stepMinutes: step)
        let probe = [
            Segment(minutes: history, perMinute: traffic, badShare: 0, stepMinutes: step),
            Segment(minutes: 2 * history, perMinute: traffic, badShare: share, stepMinutes: step),
        ]
        let scenario: Scenario
        if fastest != nil {
            let expected = tickets.compactMap { $0.timeToFire(errorRatio: share, budget: budget) }.min()! / 60
            guard let ticket = firstStep(after: history / step, in: timeline(probe, stepMinutes: step), where: { holds(slo, .ticket, $0, at: $1) })
            else {
                throw GenerationError(
                    description: "\(slo.name): a \(number(share / budget))× burn never opens a ticket, BRIEF §3 says after \(expected) minutes")
            }
            let after = ticket * step - history
            guard Self.firstStep(after, reaching: expected, step: step) else {
                throw GenerationError(description: "\(slo.name): a ticket \(after) minutes after the step, BRIEF §3 says \(expected)")
            }
            scenario = Scenario(
                name:
                    "a \(number(share / budget))× burn opens a ticket \(after) minutes after it starts (BRIEF §3: \(String(format: "%.1f", expected)) min) and never pages",
                segments: [probe[0], Segment(minutes: after + 4 * step, perMinute: traffic, badShare: share, stepMinutes: step)],
                checks: [(ticket - 1, "a step before the ticket"), (ticket, "the ticket"), (ticket + 4, "still open, no page")],
                mustNotPage: true)
        } else {
            scenario = Scenario(
                name: "every request failing for \(2 * history) minutes opens no ticket: \(impossible(tickets, budget: budget))",
                segments: probe,
                checks: [(2 * history / step, "the longest ticket window in"), (3 * history / step, "twice that")])
        }
        return try render(slo, [scenario], series: series, rules: rules, stepMinutes: step)
    }

    /// The period's rates made of the step's (`PrometheusRules.PeriodWindow.recorded`) against the raw
    /// form, `rate` over the whole period, at two steps past a period of traffic that no average of
    /// ratios would get right: steady, then ten times busier with half of it failing, then steady at a
    /// 1× burn. Prometheus 2 counts both ends of a range, so at a whole step the subquery holds one step
    /// more than the period (of steady, error-free traffic here); 3.0 and later hold exactly the period.
    /// Hence the tolerance: one step over the period, relatively (1/720 at 30 days). Counters are sampled
    /// once a step: promtool refuses a query that loads more than 10,000 samples, and a raw rate over a
    /// month of one-minute samples loads 43,200 a series.
    static func periodFile(_ slo: ServiceLevelObjective, _ series: [(String, TestSeries.Role)], rules: String) -> String {
        typealias Y = YAMLWriting
        let step = Int(slo.periodStep / 60)
        let steps = Int(slo.period.seconds / slo.periodStep)
        let end = steps + 2
        let traffic = testTraffic(slo)
        let burst = max(1, steps / 10)
        let segments = [
            Segment(minutes: steps / 2 * step, perMinute: traffic, badShare: 0, stepMinutes: step),
            Segment(minutes: burst * step, perMinute: 10 * traffic, badShare: 0.5, stepMinutes: step),
            Segment(minutes: (end - steps / 2 - burst) * step, perMinute: traffic, badShare: slo.errorBudget.budget, stepMinutes: step),
        ]
        let tolerance = number(slo.periodStep / slo.period.seconds)
        let query = slo.indicator.query
        let range = DurationText.exact(slo.period.seconds)
        let selector = PrometheusRules.selector(slo)
        let compared: [(String, String, String)] = [
            ("the error ratio", PrometheusRules.errorRatio(slo.period.seconds), "(\(query.badRate(range))) / (\(query.totalRate(range)))"),
            ("the total rate", PrometheusRules.totalRate(slo.period.seconds), query.totalRate(range)),
            ("the bad rate", PrometheusRules.badRate(slo.period.seconds), query.badRate(range)),
        ]
        let inputs = series.map { text, role in Y.map([("series", Y.text(text)), ("values", Y.text(values(segments, role)))]) }
        let checks = compared.map { _, recorded, raw in
            Y.map([
                ("expr", Y.text("abs(\(recorded)\(selector) / on() (\(raw)) - 1) <= bool \(tolerance)")),
                ("eval_time", Y.plain("\(end * step)m")),
                ("exp_samples", Y.list([Y.map([("labels", Y.text("{}")), ("value", Y.plain("1"))])])),
            ])
        }
        let test = Y.map([
            (
                "name",
                Y.text(
                    "over \(range), the rates made of the \(DurationText.exact(slo.periodStep)) rates equal raw ones within \(tolerance), relatively")
            ),
            ("interval", Y.plain("\(step)m")), ("input_series", Y.list(inputs)), ("promql_expr_test", Y.list(checks)),
        ])
        let text = document(
            slo, rules: rules, stepMinutes: step, tests: [test],
            purpose:
                "the \(range) rates of \(PrometheusRules.fileName(slo)), made of its \(DurationText.exact(slo.periodStep)) rates, against a raw rate over \(range)"
        )
        return withNotes(text, compared.map { "\($0.0): recorded, over raw, less 1" }, marker: "- expr:")
    }

    /// The SLI's series stop (a stale marker at minute 11, as when a target drops out of the scrape): the
    /// absent alert is pending for its `for`, then fires; no burn alert fires on no data.
    static func absentTest(_ slo: ServiceLevelObjective, _ series: [(String, TestSeries.Role)], traffic: Double) -> (test: Node, notes: [String]) {
        typealias Y = YAMLWriting
        let segments = [Segment(minutes: 10, perMinute: traffic, badShare: 0)]
        let gone = 11
        let wait = Int(slo.absentFor / 60)
        let inputs = series.map { text, role in Y.map([("series", Y.text(text)), ("values", Y.text(values(segments, role) + " stale"))]) }
        let labels = Y.texts(PrometheusRules.alertLabels(slo, .page))
        let firing = Y.list([Y.map([("exp_labels", labels), ("exp_annotations", Y.texts(PrometheusRules.absentAnnotations(slo)))])])
        let checks: [(Int, String, Node)] = [
            (gone - 1, "the series still there", Y.list([])), (gone + wait - 1, "absent for a minute less than the alert waits", Y.list([])),
            (gone + wait, "absent for \(DurationText.exact(slo.absentFor)): the alert fires", firing),
        ]
        let test = Y.map([
            ("name", Y.text("the SLI's series vanish: \(slo.absentAlertName) fires after \(DurationText.exact(slo.absentFor))")),
            ("interval", Y.plain("1m")), ("input_series", Y.list(inputs)),
            (
                "alert_rule_test",
                Y.list(
                    checks.map { minute, _, expected in
                        Y.map([("eval_time", Y.plain("\(minute)m")), ("alertname", Y.text(slo.absentAlertName)), ("exp_alerts", expected)])
                    } + [Y.map([("eval_time", Y.plain("\(gone + wait)m")), ("alertname", Y.text(slo.alertName)), ("exp_alerts", Y.list([]))])])
            ),
        ])
        return (test, checks.map(\.1) + ["no data is no burn"])
    }
}
