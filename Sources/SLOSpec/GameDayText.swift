import Foundation
import ShopSupport

/// The game day's verdict as a text table and as a section of the load report's HTML.
package enum GameDayText {
    package static func render(_ verdict: GameDayVerdict) -> String {
        var rows: [[String]] = [["incident", "slo", "expect", "errors", "BRIEF §3", "expected", "observed", "reset", "budget", "outcome"]]
        for incident in verdict.incidents {
            rows.append([
                incident.name, incident.slo, incident.expect, String(format: "%.2f%%", incident.errorRatio * 100),
                incident.formulaDetectionSeconds.map(DurationText.text) ?? "-",
                incident.expectedDetectionSeconds.map {
                    DurationText.text($0) + (incident.countDelaySeconds > 0 ? " (\(DurationText.text(incident.countDelaySeconds)) counting)" : "")
                } ?? "-", incident.observedDetectionSeconds.map(DurationText.text) ?? "-",
                incident.resetSeconds.map(DurationText.text) ?? "-", String(format: "%.1f%%", incident.budgetSpent * 100),
                incident.passed ? incident.outcome : incident.outcome.uppercased(),
            ])
        }
        var lines = table(rows)
        lines.append("")
        lines.append("alerts fired (profile clock):")
        for alert in verdict.alerts {
            lines.append(
                "  \(alert.severity.padding(toLength: 6, withPad: " ", startingAt: 0)) \(alert.slo.padding(toLength: 30, withPad: " ", startingAt: 0)) \(clock(alert.startSeconds)) – \(alert.endSeconds.map(clock) ?? "end")  \(alert.incident.map { "(\($0))" } ?? (alert.severity == "page" ? "FALSE PAGE" : "(no incident)"))"
            )
        }
        let expecting = verdict.incidents.filter { $0.expect != "none" }
        lines.append("")
        lines.append(
            "recall \(expecting.filter(\.passed).count)/\(expecting.count) = \(percent(verdict.recall))  precision \(verdict.alerts.filter { $0.incident != nil }.count)/\(verdict.alerts.count) = \(percent(verdict.precision))"
                + "  false pages \(verdict.falsePages)  (detection tolerance: \(verdict.tolerance))")
        var budget: [[String]] = [["slo", "service bad / total", "load generator bad / total", "budget spent (service / load)", "agree"]]
        for row in verdict.budgets {
            budget.append([
                row.slo, "\(Int(row.serviceBad)) / \(Int(row.serviceTotal))",
                row.loadBad.map { "\(Int($0)) / \(Int(row.loadTotal ?? 0))" } ?? "(not measured by the load)",
                String(format: "%.2f%%", row.serviceSpent * 100) + (row.loadSpent.map { String(format: " / %.2f%%", $0 * 100) } ?? ""),
                !row.asserted ? "(latency: not compared)" : row.agrees ? "yes" : "NO",
            ])
        }
        lines.append("")
        lines += table(budget)
        lines.append("")
        switch verdict.prometheusAgrees {
        case true?:
            let ties = verdict.prometheusTies ?? 0
            lines.append(
                "Prometheus's rule engine (promtool) fired the same alerts at every boundary"
                    + (ties > 0 ? " (but \(ties) where the counts sit exactly on a threshold, which floating point may tip either way)" : ""))
        case false?:
            lines.append(
                "Prometheus's rule engine (promtool) DISAGREES:\n"
                    + (verdict.prometheusReport ?? "").split(separator: "\n").prefix(20).joined(separator: "\n"))
        case nil: lines.append("Prometheus's rule engine was not consulted")
        }
        lines.append("verdict: \(verdict.passed ? "PASS" : "FAIL")")
        return lines.joined(separator: "\n")
    }

    /// A section for the load report, before its closing `</body>`.
    package static func html(_ verdict: GameDayVerdict) -> String {
        func escape(_ text: String) -> String { text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;") }
        return "<section id=\"game-day\"><h2>Game day: \(verdict.passed ? "PASS" : "FAIL")</h2><pre>\(escape(render(verdict)))</pre></section>\n"
    }

    static func table(_ rows: [[String]]) -> [String] {
        TextTable.lines(rows, leftAligned: Set(rows[0].indices)).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func percent(_ share: Double) -> String { BudgetReportText.percent(share, digits: 0) }
    static func clock(_ seconds: Double) -> String { BudgetReportText.clock(seconds) }
}
