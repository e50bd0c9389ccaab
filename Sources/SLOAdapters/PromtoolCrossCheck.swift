import Foundation
import SLOMath
import SLOSpec
import ShopSupport
import Yams

/// Prometheus's own rule engine on a game day's data. Per SLO, its generated rule file (the alert as
/// generated; without the period's recording rules, which no alert reads) and the recorded counters it
/// selects (on the profile's clock) become a `promtool test rules` file that expects exactly the alerts
/// shop-slo found firing: for every run of boundaries where a severity's alert is firing or quiet, one
/// `count_over_time` subquery over that run must count every boundary of it, or none (each inner
/// evaluation is the instant query a boundary-by-boundary check would make, so this is that check, in a
/// few dozen queries instead of thousands). promtool passing means the two agree on every firing
/// interval; when they do not, its report names the run. Boundaries where the outcome rests on an exact
/// tie (`SLITimeline.tiedSteps`) are left out of the runs and counted: either answer is right there. The
/// SLOs' files run side by side, one promtool each: over a month most of the time is the rule engine's,
/// and one file keeps about one core busy.
package enum PromtoolCrossCheck {
    package struct Outcome: Sendable {
        package var agrees: Bool
        package var report: String
        /// Boundaries left unchecked for a severity because its outcome there rests on an exact tie.
        package var ties: Int
    }

    package static func run(
        promtool: String, slos: [ServiceLevelObjective], recording: ServiceRecording, alerts: [GameDayVerdict.Alert], directory: String
    ) async throws -> Outcome {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var running: [(slo: ServiceLevelObjective, process: Process, exit: ProcessExit, output: String)] = []
        var ties = 0
        defer { for run in running where run.process.isRunning { run.process.terminate() } }
        for slo in slos {
            try PrometheusRules.file(slo, periodWindow: .omitted).write(
                toFile: directory + "/" + PrometheusRules.fileName(slo), atomically: true, encoding: .utf8)
            let test = directory + "/\(slo.name).test.yaml"
            let (text, tied) = testFile(slo: slo, recording: recording, alerts: alerts.filter { $0.slo == slo.name })
            ties += tied
            try text.write(toFile: test, atomically: true, encoding: .utf8)
            let output = directory + "/\(slo.name).promtool.out"
            // A file that cannot be created fails just below, where FileHandle opens it, with the reason.
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: promtool)
            process.arguments = ["test", "rules", test]
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
            process.standardError = process.standardOutput
            running.append((slo, process, try ProcessExit.launch(process), output))
        }
        var agrees = true
        var report = ""
        for run in running {
            let passed = await run.exit.status() == 0
            agrees = agrees && passed
            let text = (try? String(contentsOfFile: run.output, encoding: .utf8)) ?? ""
            report += "\(run.slo.name): \(passed ? "agrees" : "DIFFERS")\n" + (passed ? "" : text)
        }
        return Outcome(agrees: agrees, report: report, ties: ties)
    }

    /// The test file, and how many boundaries it leaves out as ties.
    static func testFile(slo: ServiceLevelObjective, recording: ServiceRecording, alerts: [GameDayVerdict.Alert]) -> (String, Int) {
        typealias Y = YAMLWriting
        let step = Int(recording.step)
        let selectors = slo.indicator.query.selectors
        let inputs = recording.series.sorted(by: { $0.key < $1.key })
            .filter { _, series in selectors.contains { $0.selects(metric: series.metric, labels: series.labels) } }
            .map { name, series in
                Y.map([("series", Y.text(name)), ("values", Y.text(series.values.map { PrometheusRules.number($0) }.joined(separator: " ")))])
            }
        var expressions: [Node] = []
        func file() -> String {
            Y.document(
                Y.map([
                    ("rule_files", Y.list([Y.text(PrometheusRules.fileName(slo))])), ("evaluation_interval", Y.plain("\(step)s")),
                    (
                        "tests",
                        Y.list([
                            Y.map([("interval", Y.plain("\(step)s")), ("input_series", Y.list(inputs)), ("promql_expr_test", Y.list(expressions))])
                        ])
                    ),
                ]),
                comments: [
                    "shop-slo gameday: \(slo.name)'s recorded counters on the profile's clock, and the alerts shop-slo",
                    "found firing. promtool passes only if Prometheus's rule engine fires the same at every boundary.",
                ])
        }
        let last = recording.boundaries - 1
        guard last >= 1 else { return (file(), 0) }
        let timeline = recording.timeline(slo)
        func firing(_ severity: String, _ boundary: Int) -> Bool {
            let time = Double(boundary * step)
            return alerts.contains { $0.severity == severity && $0.startSeconds <= time && time < ($0.endSeconds ?? .infinity) }
        }
        /// Counts the firing boundaries in first...through, evaluated at `through`: half a step more than the
        /// run reaches back, so the range holds its boundaries and no other, closed or left-open.
        func count(_ matchers: String, _ first: Int, _ through: Int, expect: Int) {
            let range = (through - first) * step + step / 2
            let counted = "count_over_time(ALERTS{alertname=\"\(slo.alertName)\",alertstate=\"firing\"\(matchers)}[\(range)s:\(step)s])"
            let labels = ([("alertname", slo.alertName), ("alertstate", "firing")] + PrometheusRules.alertLabels(slo, .page).dropFirst())
                .map { "\($0.0)=\(PromSelector.quote($0.1))" }.joined(separator: ",")
            let samples = expect > 0 ? [Y.map([("labels", Y.text("{" + labels + matchers + "}")), ("value", Y.plain("\(expect)"))])] : []
            expressions.append(Y.map([("expr", Y.text(counted)), ("eval_time", Y.plain("\(through * step)s")), ("exp_samples", Y.list(samples))]))
        }
        var ties = 0
        for severity in [BurnRateAlert.Severity.page, .ticket] {
            // Step i of the timeline is known at boundary i + 1.
            let tied = Set(
                timeline.tiedSteps(
                    slo.alertConditions.filter { $0.severity == severity }, budget: slo.errorBudget.budget, minimumRequests: slo.minimumRequests
                ).map { $0 + 1 })
            ties += tied.count
            var first: Int?
            for boundary in 1...last {
                if first == nil, !tied.contains(boundary) { first = boundary }
                guard let from = first else { continue }
                let ends =
                    boundary == last || tied.contains(boundary + 1) || firing(severity.rawValue, boundary + 1) != firing(severity.rawValue, from)
                guard ends else { continue }
                let on = firing(severity.rawValue, from)
                count(",severity=\"\(severity.rawValue)\"", from, boundary, expect: on ? boundary - from + 1 : 0)
                first = nil
            }
        }
        // Nothing fires under this alert's name with any other severity.
        count(",severity!~\"page|ticket\"", 1, last, expect: 0)
        return (file(), ties)
    }
}
