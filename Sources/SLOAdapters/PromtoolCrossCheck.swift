import Foundation
import SLOSpec

/// Prometheus's own rule engine on a game day's data: the generated rule files (their alerts as generated;
/// without the period's recording rules, which no alert reads and which cost most of promtool's time over a
/// month of steps) and the recorded counters
/// (on the profile's clock) become a `promtool test rules` file that expects, at every boundary, exactly
/// the alerts shop-slo found firing. promtool passing means the two agree on every firing interval; when
/// they do not, its report names the boundaries where they differ.
public enum PromtoolCrossCheck {
    public struct Outcome: Sendable {
        public var agrees: Bool
        public var report: String
    }

    public static func run(
        promtool: String, slos: [ServiceLevelObjective], recording: ServiceRecording, alerts: [GameDayVerdict.Alert], directory: String
    ) throws -> Outcome {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for slo in slos { try PrometheusRules.file(slo, periodWindow: false).write(toFile: directory + "/" + PrometheusRules.fileName(slo), atomically: true, encoding: .utf8) }
        try testFile(slos: slos, recording: recording, alerts: alerts).write(toFile: directory + "/gameday.test.yaml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: promtool)
        process.arguments = ["test", "rules", directory + "/gameday.test.yaml"]
        let output = directory + "/promtool.out"
        FileManager.default.createFile(atPath: output, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = process.standardOutput
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return Outcome(agrees: process.terminationStatus == 0, report: text)
    }

    static func testFile(slos: [ServiceLevelObjective], recording: ServiceRecording, alerts: [GameDayVerdict.Alert]) -> String {
        let step = Int(recording.step)
        var out = """
            # shop-slo gameday: the recorded counters on the profile's clock, and at every boundary the alerts
            # shop-slo found firing. promtool passes only if Prometheus's rule engine fires the same.
            rule_files:
            \(slos.map { "  - " + PrometheusRules.fileName($0) }.joined(separator: "\n"))
            evaluation_interval: \(step)s
            tests:
              - interval: \(step)s
                input_series:

            """
        for (name, series) in recording.series.sorted(by: { $0.key < $1.key }) {
            out += "      - series: \(YAMLValue.quoted(name))\n        values: '\(series.values.map { PrometheusRules.number($0) }.joined(separator: " "))'\n"
        }
        out += "    promql_expr_test:\n"
        let names = Dictionary(uniqueKeysWithValues: slos.map { ($0.name, $0) })
        for boundary in 1..<recording.boundaries {
            let time = Double(boundary) * recording.step
            let firing = alerts.filter { $0.startSeconds <= time && time < ($0.endSeconds ?? .infinity) }
            out += "      - expr: 'ALERTS{alertstate=\"firing\"}'\n        eval_time: \(boundary * step)s\n        exp_samples:"
            out += firing.isEmpty ? " []\n" : "\n"
            for alert in firing {
                guard let slo = names[alert.slo] else { continue }
                let labels = "ALERTS{alertname=\"\(slo.alertName)\",alertstate=\"firing\",service=\"\(slo.service)\",severity=\"\(alert.severity)\",slo=\"\(slo.name)\"}"
                out += "          - labels: \(YAMLValue.quoted(labels))\n            value: 1\n"
            }
        }
        return out
    }
}
