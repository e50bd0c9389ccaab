import Foundation
import LoadProfile
import ShopSupport

/// The end-of-run summary as text: both clocks, one row per endpoint (corrected latency, then uncorrected),
/// and each threshold's verdict.
package struct SummaryTable {
    let result: LoadResult

    package init(_ result: LoadResult) { self.result = result }

    package func render() -> String {
        let clocks = result.clocks
        var lines: [String] = []
        lines.append(
            "\(result.profile.name): \(DurationText.text(clocks.profileEndSeconds - clocks.profileStartSeconds)) of profile time in "
                + "\(String(format: "%.1f", clocks.wallSeconds)) s of wall time (speed \(Self.short(clocks.speed))×)\(result.interrupted && result.stop == nil ? ", interrupted" : "")"
        )
        if let stop = result.stop { lines.append(Self.stopped(stop)) }
        let header = ["endpoint", "count", "rate/s", "errors", "p50", "p90", "p99", "p99.9", "max", "late", "dropped"]
        var rows: [[String]] = [header]
        for row in result.summary {
            for (label, latency) in [("corrected", row.corrected), ("uncorrected", row.uncorrected)] {
                let first = label == "corrected"
                rows.append([
                    first ? row.endpoint : "  (from send)", first ? "\(row.completed)" : "", first ? String(format: "%.1f", row.rate) : "",
                    first ? String(format: "%.2f%%", row.errorRate * 100) : "",
                    Self.milliseconds(latency.p50), Self.milliseconds(latency.p90), Self.milliseconds(latency.p99), Self.milliseconds(latency.p999),
                    Self.milliseconds(latency.max), first ? "\(row.late)" : "", first ? "\(row.dropped)" : "",
                ])
            }
        }
        lines += TextTable.lines(rows, leftAligned: [0])
        if let codes = Self.codes(result.summary) { lines.append(codes) }
        for threshold in result.thresholds {
            lines.append("\(threshold.passed ? "PASS" : "FAIL")  \(threshold.expression)  (observed \(Self.observed(threshold)))")
        }
        return lines.joined(separator: "\n")
    }

    /// The run's early stop in a line.
    package static func stopped(_ stop: LoadResult.Stop) -> String {
        "STOPPED at \(DurationText.text(stop.profileSeconds)) of profile time (\(String(format: "%.1f", stop.wallSeconds)) s wall)"
            + "\(stop.shard.map { " in shard \($0)" } ?? ""), \(stop.reason == ThresholdCheck.reason ? "--abort-on-fail" : "--abort-on"): \(stop.detail)"
    }

    /// Status codes per endpoint, one line: `codes: product 200×811 · order 201×169 409×3`.
    static func codes(_ summary: [LoadResult.EndpointSummary]) -> String? {
        let parts = summary.filter { $0.endpoint != "all" && !$0.codes.isEmpty }.map { row in
            row.endpoint + " " + row.codes.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        }
        return parts.isEmpty ? nil : "codes: " + parts.joined(separator: " · ")
    }

    package static func milliseconds(_ seconds: Double) -> String {
        seconds >= 1 ? String(format: "%.2fs", seconds) : String(format: "%.1fms", seconds * 1000)
    }

    /// A rate or a speed as people read it: whole from 100 up, two decimals below unless whole.
    package static func short(_ value: Double) -> String {
        value >= 100 || value == value.rounded() ? String(Int(value.rounded())) : String(format: "%.2f", value)
    }

    package static func observed(_ outcome: LoadResult.ThresholdOutcome) -> String {
        guard let threshold = try? Threshold(parsing: outcome.expression) else { return "\(outcome.observed)" }
        if case .percentile = threshold.metric { return milliseconds(outcome.observed) }
        return String(format: "%.3f%%", outcome.observed * 100)
    }
}
