import Foundation
import ShopSupport
import SLOMath
import Yams

/// The `promtool test rules` files for one SLO's rule file. Each test feeds counters that match the SLI's
/// selectors (sampled every minute for the page tests, every five for the ticket's days-long windows), and expects the alerts that the same conditions computed here, on
/// `SLITimeline`, say must be firing: Prometheus's rule engine and shop-slo's maths must agree. Before
/// writing, the generator checks its scenarios against BRIEF §3: the page fires at the minute the formula
/// gives, a burn of 1× does not page, and low traffic does not page.
public enum RuleTests {
    /// The page tests (one-minute samples) and the ticket test (five-minute samples, as its windows span
    /// days), by file name. Where no series matching the SLI's selectors can be made up (see `note`), both
    /// files say so and hold no test; the rule file is written all the same.
    /// `rulesBeside`: the rule file sits in the tests' own folder (as with PrometheusRule resources,
    /// which promtool cannot read), not the folder above. With the period's rates recorded from the
    /// step's, a third file holds them to the raw form (`periodFile`).
    public static func files(
        _ slo: ServiceLevelObjective, rulesBeside: Bool = false, periodWindow: PrometheusRules.PeriodWindow = .recorded
    ) throws -> [(name: String, text: String)] {
        let rules = (rulesBeside ? "" : "../") + PrometheusRules.fileName(slo)
        let period = periodWindow == .recorded
        let names = [slo.name + ".page.test.yaml", slo.name + ".ticket.test.yaml"] + (period ? [slo.name + ".period.test.yaml"] : [])
        let series: [(String, TestSeries.Role)]
        do {
            series = try TestSeries.make(for: slo.indicator)
        } catch {
            let text = document(slo, rules: rules, stepMinutes: 1, tests: [], comments: ["No test: \(error.description)."])
            return names.map { ($0, text) }
        }
        let files = [(names[0], try pageFile(slo, series, rules: rules)), (names[1], try ticketFile(slo, series, rules: rules))]
        return files + (period ? [(names[2], periodFile(slo, series, rules: rules))] : [])
    }

    /// Why the rule tests of `slo` exercise nothing, or nil when they do: for a note when the files are written.
    public static func note(_ slo: ServiceLevelObjective) -> String? {
        do {
            _ = try TestSeries.make(for: slo.indicator)
            return nil
        } catch {
            return "\(slo.name): its rule tests exercise nothing, \(error.description)"
        }
    }

    public struct GenerationError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Counters per step: `perStep` requests with `badShare` of them bad, for `steps`. Counts are rounded to
    /// 64ths, so promtool's counters add up exactly: a value a rounding below the one before it would read
    /// as a counter reset.
    struct Segment {
        var steps: Int
        var total: Double
        var bad: Double

        init(minutes: Int, perMinute: Double, badShare: Double, stepMinutes: Int = 1) {
            steps = minutes / stepMinutes
            total = Self.sixtyFourths(perMinute * Double(stepMinutes))
            bad = min(Self.sixtyFourths(total * badShare), total)
        }

        static func sixtyFourths(_ value: Double) -> Double { (value * 64).rounded() / 64 }
    }

    struct Scenario {
        var name: String
        var segments: [Segment]
        /// Minutes at which to compare, with why.
        var checks: [(minute: Int, note: String)]
        var mustNotPage = false
    }

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
        let pageSegments = [Segment(minutes: history, perMinute: traffic, badShare: 0), Segment(minutes: burning, perMinute: traffic, badShare: pageShare),
                            Segment(minutes: max(240, 2 * longestShort), perMinute: traffic, badShare: 0)]
        let pageTimeline = timeline(pageSegments, stepMinutes: 1)
        let stop = history + burning
        if let expected {
            guard let fire = firstStep(after: history, in: pageTimeline, where: { holds(slo, .page, $0, at: $1) }) else {
                throw GenerationError(description: "\(slo.name): a \(number(pageShare / budget))× burn never pages, BRIEF §3 says after \(expected) minutes")
            }
            guard Self.firstStep(fire - history, reaching: expected) else {
                throw GenerationError(description: "\(slo.name): pages \(fire - history) minutes after the step, BRIEF §3 says \(expected)")
            }
            guard let reset = firstStep(after: stop, in: pageTimeline, where: { !holds(slo, .page, $0, at: $1) }) else {
                throw GenerationError(description: "\(slo.name): the page never resets")
            }
            guard reset - stop <= longestShort else { throw GenerationError(description: "\(slo.name): resets \(reset - stop) minutes after the errors stop") }
            scenarios.append(Scenario(
                name: "a \(number(pageShare / budget))× burn pages \(fire - history) minutes after it starts (BRIEF §3: \(String(format: "%.1f", expected)) min) and resets \(reset - stop) minutes after it stops",
                segments: pageSegments,
                checks: [(fire - 1, "a minute before the page"), (fire, "the page"), (reset - 1, "errors stopped; a short window still holds them"), (reset, "reset")]))
        } else {
            scenarios.append(Scenario(
                name: "every request failing for \(burning) minutes never pages: \(impossible(pages, budget: budget))",
                segments: pageSegments,
                checks: [(history + burning / 2, "half way"), (stop, "as the errors stop")],
                mustNotPage: true))
        }

        // A burn of exactly 1× spends the budget in exactly the period: no page, whatever the page windows.
        scenarios.append(Scenario(
            name: "a 1× burn never pages",
            segments: [Segment(minutes: history, perMinute: traffic, badShare: 0), Segment(minutes: 2 * history, perMinute: traffic, badShare: budget)],
            checks: [(history + history / 6, "a sixth of the longest page window in"), (2 * history, "the longest page window in"), (3 * history, "twice that")],
            mustNotPage: true))

        // Everything failing at a trickle of traffic: the long windows hold fewer requests than the guard.
        let trickle = Segment.sixtyFourths(slo.minimumRequests / (Double(history) * 2))
        if trickle > 0 {
            scenarios.append(Scenario(
                name: "every request failing at \(number(trickle * 60)) requests an hour does not page (at least \(number(slo.minimumRequests)) in the long window)",
                segments: [Segment(minutes: history, perMinute: trickle, badShare: 0), Segment(minutes: history, perMinute: trickle, badShare: 1)],
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
        let probe = [Segment(minutes: history, perMinute: traffic, badShare: 0, stepMinutes: step), Segment(minutes: 2 * history, perMinute: traffic, badShare: share, stepMinutes: step)]
        let scenario: Scenario
        if fastest != nil {
            let expected = tickets.compactMap { $0.timeToFire(errorRatio: share, budget: budget) }.min()! / 60
            guard let ticket = firstStep(after: history / step, in: timeline(probe, stepMinutes: step), where: { holds(slo, .ticket, $0, at: $1) }) else {
                throw GenerationError(description: "\(slo.name): a \(number(share / budget))× burn never opens a ticket, BRIEF §3 says after \(expected) minutes")
            }
            let after = ticket * step - history
            guard Self.firstStep(after, reaching: expected, step: step) else {
                throw GenerationError(description: "\(slo.name): a ticket \(after) minutes after the step, BRIEF §3 says \(expected)")
            }
            scenario = Scenario(
                name: "a \(number(share / budget))× burn opens a ticket \(after) minutes after it starts (BRIEF §3: \(String(format: "%.1f", expected)) min) and never pages",
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
        let segments = [Segment(minutes: steps / 2 * step, perMinute: traffic, badShare: 0, stepMinutes: step),
                        Segment(minutes: burst * step, perMinute: 10 * traffic, badShare: 0.5, stepMinutes: step),
                        Segment(minutes: (end - steps / 2 - burst) * step, perMinute: traffic, badShare: slo.errorBudget.budget, stepMinutes: step)]
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
            ("name", Y.text("over \(range), the rates made of the \(DurationText.exact(slo.periodStep)) rates equal raw ones within \(tolerance), relatively")),
            ("interval", Y.plain("\(step)m")), ("input_series", Y.list(inputs)), ("promql_expr_test", Y.list(checks)),
        ])
        let text = document(
            slo, rules: rules, stepMinutes: step, tests: [test],
            purpose: "the \(range) rates of \(PrometheusRules.fileName(slo)), made of its \(DurationText.exact(slo.periodStep)) rates, against a raw rate over \(range)")
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
            ("alert_rule_test", Y.list(checks.map { minute, _, expected in
                Y.map([("eval_time", Y.plain("\(minute)m")), ("alertname", Y.text(slo.absentAlertName)), ("exp_alerts", expected)])
            } + [Y.map([("eval_time", Y.plain("\(gone + wait)m")), ("alertname", Y.text(slo.alertName)), ("exp_alerts", Y.list([]))])])),
        ])
        return (test, checks.map(\.1) + ["no data is no burn"])
    }

    static func render(
        _ slo: ServiceLevelObjective, _ scenarios: [Scenario], series: [(String, TestSeries.Role)], rules: String, stepMinutes: Int,
        extra: [(test: Node, notes: [String])] = []
    ) throws -> String {
        typealias Y = YAMLWriting
        var tests: [Node] = []
        var notes: [String] = []
        for scenario in scenarios {
            let line = timeline(scenario.segments, stepMinutes: stepMinutes)
            for (step, _) in scenario.checks where scenario.mustNotPage && holds(slo, .page, line, at: step) {
                throw GenerationError(description: "\(slo.name): \(scenario.name), yet it pages at step \(step)")
            }
            let inputs = series.map { text, role in Y.map([("series", Y.text(text)), ("values", Y.text(values(scenario.segments, role)))]) }
            var checks: [Node] = []
            for (step, note) in scenario.checks {
                let firing = [BurnRateAlert.Severity.page, .ticket].compactMap { severity in burn(slo, severity, line, at: step).map { (severity, $0) } }
                let expected = firing.map { severity, burn in
                    Y.map([("exp_labels", Y.texts(PrometheusRules.alertLabels(slo, severity))),
                           ("exp_annotations", Y.texts(PrometheusRules.annotations(slo, severity, burnRate: burn)))])
                }
                checks.append(Y.map([("eval_time", Y.plain("\(step * stepMinutes)m")), ("alertname", Y.text(slo.alertName)), ("exp_alerts", Y.list(expected))]))
                notes.append(note)
            }
            tests.append(Y.map([
                ("name", Y.text(scenario.name)), ("interval", Y.plain("\(stepMinutes)m")), ("input_series", Y.list(inputs)), ("alert_rule_test", Y.list(checks)),
            ]))
        }
        return withNotes(document(slo, rules: rules, stepMinutes: stepMinutes, tests: tests + extra.map(\.test)), notes + extra.flatMap(\.notes))
    }

    /// The test file around `tests`, after a header that says what it tests.
    /// `purpose` says what it tests; by default, the alerts against counters sampled every step.
    static func document(
        _ slo: ServiceLevelObjective, rules: String, stepMinutes: Int, tests: [Node], purpose: String? = nil, comments: [String] = []
    ) -> String {
        let purpose = purpose ?? "the alerts of \(PrometheusRules.fileName(slo)) against counters sampled every \(stepMinutes)m"
        return YAMLWriting.document(
            YAMLWriting.map([
                ("rule_files", YAMLWriting.list([YAMLWriting.text(rules)])), ("evaluation_interval", YAMLWriting.plain("\(stepMinutes)m")),
                ("tests", YAMLWriting.list(tests)),
            ]),
            comments: ["Generated by `shop-slo rules` from \(slo.file): do not edit, change the spec and run it again.",
                       "promtool test rules: \(purpose)."] + comments)
    }

    /// Each check's note as a comment line above it: the emitter writes no comments, and every check is
    /// a list item that begins with `marker`, in order.
    static func withNotes(_ text: String, _ notes: [String], marker: String = "- eval_time:") -> String {
        var remaining = notes[...]
        var out: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix(marker), let note = remaining.popFirst() {
                let indent = line.prefix { $0 == " " }
                out.append(Substring(indent + "# " + note))
            }
            out.append(line)
        }
        return out.joined(separator: "\n")
    }

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

    /// promtool's expanding notation for a counter: each segment's increments, from 0 at the first sample.
    static func values(_ segments: [Segment], _ role: TestSeries.Role) -> String {
        var parts: [String] = []
        var value = 0.0
        for (index, segment) in segments.enumerated() {
            let step: Double
            switch role {
            case .good: step = segment.total - segment.bad
            case .bad: step = segment.bad
            case .all: step = segment.total
            }
            if index == 0 {
                parts.append("0+\(number(step))x\(segment.steps)")
                value = step * Double(segment.steps)
            } else {
                parts.append("\(number(value + step))+\(number(step))x\(segment.steps - 1)")
                value += step * Double(segment.steps)
            }
        }
        return parts.joined(separator: " ")
    }

    static func number(_ value: Double) -> String { PrometheusRules.number(value) }
}
