import Foundation
import SLOMath
import ShopDomain

/// The `promtool test rules` files for one SLO's rule file. Each test feeds counters that match the SLI's
/// selectors (sampled every minute for the page tests, every five for the ticket's days-long windows), and expects the alerts that the same conditions computed here, on
/// `SLITimeline`, say must be firing: Prometheus's rule engine and shop-slo's maths must agree. Before
/// writing, the generator checks its scenarios against BRIEF §3: the page fires at the minute the formula
/// gives, a burn of 1× does not page, and low traffic does not page.
public enum RuleTests {
    /// The page tests (one-minute samples) and the ticket test (five-minute samples, as its windows span
    /// days), by file name.
    public static func files(_ slo: ServiceLevelObjective) throws -> [(name: String, text: String)] {
        [(slo.name + ".page.test.yaml", try pageFile(slo)), (slo.name + ".ticket.test.yaml", try ticketFile(slo))]
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

    static func pageFile(_ slo: ServiceLevelObjective) throws -> String {
        let series = try TestSeries.make(for: slo.indicator)
        let budget = slo.errorBudget.budget
        let pages = slo.alertConditions.filter { $0.severity == .page }
        // History enough for the longest page window to hold only good traffic before the step.
        let history = Int((pages.map(\.longWindow).max()! / 60).rounded(.up))
        let traffic = max(1_000, slo.minimumRequests * 10)
        var scenarios: [Scenario] = []

        // A step to 20× burn for two hours pages at the minute BRIEF §3 gives, and resets within the
        // longest short page window after it stops.
        let pageShare = min(20 * budget, 1)
        let pageSegments = [Segment(minutes: history, perMinute: traffic, badShare: 0), Segment(minutes: 120, perMinute: traffic, badShare: pageShare),
                            Segment(minutes: 240, perMinute: traffic, badShare: 0)]
        let pageTimeline = timeline(pageSegments, stepMinutes: 1)
        guard let fire = firstStep(after: history, in: pageTimeline, where: { holds(slo, .page, $0, at: $1) }) else {
            throw GenerationError(description: "\(slo.name): a 20× burn never pages")
        }
        let expected = pages.compactMap { $0.timeToFire(errorRatio: pageShare, budget: budget) }.min()! / 60
        guard fire - history == Int(expected.rounded(.up)) else {
            throw GenerationError(description: "\(slo.name): pages \(fire - history) minutes after the step, BRIEF §3 says \(expected)")
        }
        let stop = history + 120
        guard let reset = firstStep(after: stop, in: pageTimeline, where: { !holds(slo, .page, $0, at: $1) }) else {
            throw GenerationError(description: "\(slo.name): the page never resets")
        }
        let longestShort = pages.map { Int(($0.shortWindow / 60).rounded(.up)) }.max()!
        guard reset - stop <= longestShort else { throw GenerationError(description: "\(slo.name): resets \(reset - stop) minutes after the errors stop") }
        scenarios.append(Scenario(
            name: "a \(number(pageShare / budget))× burn pages \(fire - history) minutes after it starts (BRIEF §3: \(String(format: "%.1f", expected)) min) and resets \(reset - stop) minutes after it stops",
            segments: pageSegments,
            checks: [(fire - 1, "a minute before the page"), (fire, "the page"), (reset - 1, "errors stopped; a short window still holds them"), (reset, "reset")]))

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
        return try render(slo, scenarios, series: series, stepMinutes: 1)
    }

    static func ticketFile(_ slo: ServiceLevelObjective) throws -> String {
        let series = try TestSeries.make(for: slo.indicator)
        let budget = slo.errorBudget.budget
        let tickets = slo.alertConditions.filter { $0.severity == .ticket }
        let step = 5
        let history = Int((tickets.map(\.longWindow).max()! / 60).rounded(.up))
        let traffic = max(1_000, slo.minimumRequests * 10)
        // A 3.5× burn opens a ticket when BRIEF §3 says, to the five minutes, and never pages.
        let share = 3.5 * budget
        let probe = [Segment(minutes: history, perMinute: traffic, badShare: 0, stepMinutes: step), Segment(minutes: 2 * history, perMinute: traffic, badShare: share, stepMinutes: step)]
        guard let ticket = firstStep(after: history / step, in: timeline(probe, stepMinutes: step), where: { holds(slo, .ticket, $0, at: $1) }) else {
            throw GenerationError(description: "\(slo.name): a 3.5× burn never opens a ticket")
        }
        let minutes = ticket * step - history
        let expected = tickets.compactMap { $0.timeToFire(errorRatio: share, budget: budget) }.min()! / 60
        guard Double(minutes) >= expected, Double(minutes) < expected + Double(step) else {
            throw GenerationError(description: "\(slo.name): a ticket \(minutes) minutes after the step, BRIEF §3 says \(expected)")
        }
        let scenario = Scenario(
            name: "a 3.5× burn opens a ticket \(minutes) minutes after it starts (BRIEF §3: \(String(format: "%.1f", expected)) min) and never pages",
            segments: [probe[0], Segment(minutes: minutes + 4 * step, perMinute: traffic, badShare: share, stepMinutes: step)],
            checks: [(ticket - 1, "five minutes before the ticket"), (ticket, "the ticket"), (ticket + 4, "still open, no page")],
            mustNotPage: true)
        return try render(slo, [scenario], series: series, stepMinutes: step)
    }

    static func render(_ slo: ServiceLevelObjective, _ scenarios: [Scenario], series: [(String, TestSeries.Role)], stepMinutes: Int) throws -> String {
        var out = """
            # Generated by `shop-slo rules` from \(slo.file): do not edit, change the spec and run it again.
            # promtool test rules: the alerts of \(PrometheusRules.fileName(slo)) against counters sampled every \(stepMinutes)m.
            rule_files:
              - ../\(PrometheusRules.fileName(slo))
            evaluation_interval: \(stepMinutes)m
            tests:

            """
        for scenario in scenarios {
            let line = timeline(scenario.segments, stepMinutes: stepMinutes)
            for (step, _) in scenario.checks where scenario.mustNotPage && holds(slo, .page, line, at: step) {
                throw GenerationError(description: "\(slo.name): \(scenario.name), yet it pages at step \(step)")
            }
            out += "  - name: \(YAMLValue.quoted(scenario.name))\n    interval: \(stepMinutes)m\n    input_series:\n"
            for (text, role) in series {
                out += "      - series: \(YAMLValue.quoted(text))\n        values: \(YAMLValue.quoted(values(scenario.segments, role)))\n"
            }
            out += "    alert_rule_test:\n"
            for (step, note) in scenario.checks {
                out += "      # \(note)\n      - eval_time: \(step * stepMinutes)m\n        alertname: \(slo.alertName)\n        exp_alerts:"
                let firing = [BurnRateAlert.Severity.page, .ticket].compactMap { severity in burn(slo, severity, line, at: step).map { (severity, $0) } }
                out += firing.isEmpty ? " []\n" : "\n"
                for (severity, burn) in firing {
                    let annotations = PrometheusRules.annotations(slo, severity, burnRate: burn)
                    out += "          - exp_labels:\n"
                    for (key, value) in [("severity", severity.rawValue), ("slo", slo.name), ("service", slo.service)] { out += "              \(key): \(YAMLValue.quoted(value))\n" }
                    out += "            exp_annotations:\n"
                    for (key, value) in annotations { out += "              \(key): \(YAMLValue.quoted(value))\n" }
                }
            }
        }
        return out
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

/// Series that an SLI's selectors pick up, for rule tests: which are good, bad, or all requests.
enum TestSeries {
    enum Role { case good, bad, all }

    static func make(for indicator: Indicator) throws -> [(String, Role)] {
        switch indicator {
        case .availability(let routes):
            let base = routes.selector(HTTPRoutes.countMetric)
            return [(series(base, routes, status: "201"), .good), (series(base, routes, status: "500"), .bad)]
        case .latency(let routes, let threshold):
            let count = routes.selector(HTTPRoutes.countMetric)
            let bucket = routes.selector(HTTPRoutes.bucketMetric)
            return [(series(count, routes, status: "201"), .all), (series(bucket, routes, status: "201", le: HTTPRoutes.bucketLabel(threshold)), .good)]
        case .ratio(let query):
            let (numerator, role, complement): (PromSelector, Role, Role) =
                switch query.numerator {
                case .good(let good): (good, .good, .bad)
                case .bad(let bad): (bad, .bad, .good)
                }
            let example = try labels(numerator)
            if !query.total.selects(metric: numerator.metric, labels: example) {
                return [(text(numerator.metric, example), role), (text(query.total.metric, try labels(query.total)), .all)]
            }
            var other = try labels(query.total)
            for matcher in numerator.matchers where matcher.op == .equal || matcher.op == .matches {
                let choices = query.total.matchers.first { $0.label == matcher.label }.flatMap { total -> [String]? in
                    total.op == .matches ? PromSelector.Matcher.alternatives(total.value).map { $0.sorted() } : nil
                } ?? (query.total.matchers.contains { $0.label == matcher.label } ? [] : ["other"])
                if let pick = choices.first(where: { !matcher.accepts($0) }) {
                    other[matcher.label] = pick
                    break
                }
            }
            guard query.total.selects(metric: query.total.metric, labels: other), !numerator.selects(metric: query.total.metric, labels: other) else {
                throw RuleTests.GenerationError(description: "cannot make up a series that \(query.total) selects and \(numerator) does not")
            }
            return [(text(numerator.metric, example), role), (text(query.total.metric, other), complement)]
        }
    }

    static func series(_ selector: PromSelector, _ routes: HTTPRoutes, status: String, le: String? = nil) -> String {
        var labels = ["http_request_method": routes.method, "http_route": routes.templates[0], "http_response_status_code": status]
        if let le { labels["le"] = le }
        return text(selector.metric, labels)
    }

    /// Labels a series needs to be selected: equality values, and the first of a regex's plain alternatives.
    static func labels(_ selector: PromSelector) throws -> [String: String] {
        var labels: [String: String] = [:]
        for matcher in selector.matchers {
            switch matcher.op {
            case .equal: labels[matcher.label] = matcher.value
            case .matches:
                guard let first = PromSelector.Matcher.alternatives(matcher.value)?.sorted().first else {
                    throw RuleTests.GenerationError(description: "cannot make up a value matching \(matcher.label)=~\"\(matcher.value)\" for a rule test; use plain alternatives (a|b)")
                }
                labels[matcher.label] = first
            case .notEqual, .notMatches: continue
            }
        }
        return labels
    }

    static func text(_ metric: String, _ labels: [String: String]) -> String {
        ExpositionSample(metric: metric, labels: labels, value: 0).series
    }
}
