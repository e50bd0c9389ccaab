import Foundation
import Histogram
import LoadProfile
import ShopDomain
import ShopSupport

/// The run as one self-contained HTML file (inline SVG and CSS, no script, no external asset): target
/// against achieved rate, latency percentiles, errors over time with the fault schedule shaded, the status
/// mix, the summary and the thresholds.
package struct HTMLReport {
    let result: LoadResult

    package init(_ result: LoadResult) { self.result = result }

    struct Series {
        var name: String
        var color: String
        var points: [(x: Double, y: Double)]
    }

    /// Per window: rates, percentiles and errors, all endpoints together.
    struct WindowFigures {
        var time: Double
        var target: Double
        var achieved: Double
        var p50: Double
        var p90: Double
        var p99: Double
        var errors: Double
        var clientErrors: Double
    }

    func figures() -> [WindowFigures] {
        let wallWindow = result.clocks.windowSeconds / result.clocks.speed
        return result.windows.map { window in
            var histogram = LatencyHistogram.make()
            var sent = 0, errors = 0, clientErrors = 0
            for counts in window.endpoints.values {
                counts.corrected.add(to: &histogram)
                sent += counts.sent
                errors += counts.errors
                clientErrors += counts.status[StatusClass.clientError.rawValue] ?? 0
            }
            let percentile = { (p: Double) in histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(p)) / 1_000 }
            return WindowFigures(
                time: window.profileStartSeconds, target: window.targetRequests / wallWindow, achieved: Double(sent) / wallWindow,
                p50: percentile(50), p90: percentile(90), p99: percentile(99), errors: Double(errors), clientErrors: Double(clientErrors))
        }
    }

    /// Profile-time spans with faults set, for shading.
    func faultSpans() -> [(from: Double, to: Double, label: String)] {
        var spans: [(Double, Double, String)] = []
        let steps = result.profile.faults.sorted { $0.atSeconds < $1.atSeconds }
        for (index, step) in steps.enumerated() where step.settings != .init() {
            let end = index + 1 < steps.count ? steps[index + 1].atSeconds : result.clocks.profileEndSeconds
            spans.append((step.atSeconds, end, "faults"))
        }
        return spans
    }

    package func render() -> String {
        let rows = figures()
        let end = max(result.clocks.profileEndSeconds, rows.last.map { $0.time + result.clocks.windowSeconds } ?? 1)
        let faults = faultSpans()
        let spikes = result.profile.spikes.map { (from: $0.startSeconds, to: $0.endSeconds, label: $0.name) }
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>shop-load: \(escape(result.profile.name))</title>
            <style>\(HTMLText.style)</style></head><body>
            <h1>shop-load — \(escape(result.profile.name))</h1>
            <p>\(escape(result.profile.description))</p>
            <p>Target \(escape(result.target)) · profile time \(DurationText.text(result.clocks.profileEndSeconds - result.clocks.profileStartSeconds)) replayed in \(String(format: "%.1f", result.clocks.wallSeconds)) s of wall time (speed \(SummaryTable.short(result.clocks.speed))×) · started \(escape(result.clocks.startedAt)) · seed \(result.profile.seed) · shards \(result.shards.map(\.description).joined(separator: ", "))\(result.interrupted && result.stop == nil ? " · <b>interrupted</b>" : "")</p>
            \(result.stop.map { "<p class=\"fail\">\(escape(SummaryTable.stopped($0)))</p>" } ?? "")
            <p>Time axes are profile time; wall time is profile time ÷ \(SummaryTable.short(result.clocks.speed)). Shaded: <span class="swatch" style="background:#f5b5bb"></span>faults set · <span class="swatch" style="background:#bfdbfe"></span>traffic spikes (both: purple).</p>

            """
        html += "<h2>Requests per second: target and achieved</h2>\n"
        html += chart(
            [
                Series(name: "target", color: "#6e7781", points: rows.map { ($0.time, $0.target) }),
                Series(name: "achieved", color: "#0969da", points: rows.map { ($0.time, $0.achieved) }),
            ],
            end: end, unit: "req/s", faults: faults, spikes: spikes)
        html += "<h2>Latency from intended start (corrected), all endpoints</h2>\n"
        html += chart(
            [
                Series(name: "p50", color: "#1a7f37", points: rows.map { ($0.time, $0.p50) }),
                Series(name: "p90", color: "#bf8700", points: rows.map { ($0.time, $0.p90) }),
                Series(name: "p99", color: "#cf222e", points: rows.map { ($0.time, $0.p99) }),
            ],
            end: end, unit: "ms", faults: faults, spikes: spikes, marks: slowestMarks(rows))
        html += "<h2>Errors per window (5xx and no answer) and client errors (4xx)</h2>\n"
        html += chart(
            [
                Series(name: "errors", color: "#cf222e", points: rows.map { ($0.time, $0.errors) }),
                Series(name: "4xx", color: "#8250df", points: rows.map { ($0.time, $0.clientErrors) }),
            ],
            end: end, unit: "requests", faults: faults, spikes: spikes)
        let codes = codeSeries()
        if !codes.isEmpty {
            html += "<h2>Answers other than 2xx per window, by status code</h2>\n"
            html += chart(codes, end: end, unit: "requests", faults: faults, spikes: spikes)
        }
        html += "<h2>Status mix by endpoint</h2>\n" + statusMix() + codeTable()
        html += slowestTable()
        html += "<h2>Summary</h2>\n" + summaryTable()
        if !result.thresholds.isEmpty {
            html += "<h2>Thresholds</h2>\n<table><tr><th>threshold</th><th>observed</th><th>verdict</th></tr>\n"
            for threshold in result.thresholds {
                html +=
                    "<tr><td>\(escape(threshold.expression))</td><td>\(SummaryTable.observed(threshold))</td><td class=\"\(threshold.passed ? "pass" : "fail")\">\(threshold.passed ? "pass" : "FAIL")</td></tr>\n"
            }
            html += "</table>\n"
        }
        if !result.profile.faults.isEmpty {
            html += "<h2>Fault schedule</h2>\n<table><tr><th>profile time</th><th>wall time</th><th>settings</th></tr>\n"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for step in result.profile.faults {
                let settings = (try? encoder.encode(step.settings)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                html +=
                    "<tr><td>\(DurationText.text(step.atSeconds))</td><td>\(String(format: "%.1f s", step.atSeconds / result.clocks.speed))</td><td>\(escape(settings))</td></tr>\n"
            }
            html += "</table>\n"
        }
        return html + "</body></html>\n"
    }

    /// A line chart over profile time, with shaded spans.
    func chart(
        _ series: [Series], end: Double, unit: String, faults: [(from: Double, to: Double, label: String)],
        spikes: [(from: Double, to: Double, label: String)], marks: [Mark] = []
    ) -> String {
        let (width, height, left, bottom, top, right) = (1000.0, 260.0, 70.0, 36.0, 12.0, 16.0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let highest = series.flatMap { $0.points.map(\.y) }.max() ?? 0
        let maximum = (highest > 0 ? highest : 1) * 1.1
        let x = { (time: Double) in left + plotWidth * min(max(time / max(end, 1e-9), 0), 1) }
        let y = { (value: Double) in top + plotHeight * (1 - value / maximum) }
        var svg =
            "<svg role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for (spans, color) in [(spikes, "#bfdbfe"), (faults, "#f5b5bb")] {
            for span in spans {
                svg +=
                    "<rect x=\"\(f(x(span.from)))\" y=\"\(f(top))\" width=\"\(f(max(x(span.to) - x(span.from), 1)))\" height=\"\(f(plotHeight))\" fill=\"\(color)\" fill-opacity=\"0.6\"><title>\(escape(span.label))</title></rect>\n"
            }
        }
        for tick in 0...4 {
            let value = maximum / 1.1 * Double(tick) / 4
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(y(value)))\" y2=\"\(f(y(value)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y(value) + 4))\" font-size=\"11\" text-anchor=\"end\">\(label(value))</text>\n"
        }
        for tick in 0...6 {
            let time = end * Double(tick) / 6
            svg +=
                "<text x=\"\(f(x(time)))\" y=\"\(f(height - bottom + 16))\" font-size=\"11\" text-anchor=\"middle\">\(DurationText.text(time))</text>\n"
        }
        svg +=
            "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 4))\" font-size=\"11\" text-anchor=\"middle\">profile time (\(unit) on the left)</text>\n"
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#999\"/>\n"
        for line in series where !line.points.isEmpty {
            let path = line.points.map { "\(f(x($0.x))),\(f(y($0.y)))" }.joined(separator: " ")
            svg +=
                "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\" points=\"\(path)\"><title>\(escape(line.name))</title></polyline>\n"
        }
        for mark in marks {
            let dot = "<circle cx=\"\(f(x(mark.x)))\" cy=\"\(f(y(mark.y)))\" r=\"4\" fill=\"#cf222e\"><title>\(escape(mark.title))</title></circle>"
            svg += (mark.link.map { "<a href=\"\(escape($0))\">\(dot)</a>" } ?? dot) + "\n"
        }
        svg +=
            "</svg>\n<div class=\"legend\">"
            + series.map { "<span><span class=\"swatch\" style=\"background:\($0.color)\"></span>\(escape($0.name))</span>" }.joined() + "</div>\n"
        return svg
    }

    /// One horizontal stacked bar per endpoint, by status class.
    func statusMix() -> String {
        let colors: [StatusClass: String] = [
            .success: "#1a7f37", .redirect: "#6e7781", .clientError: "#8250df", .serverError: "#cf222e", .error: "#000000",
        ]
        let rows = result.summary
        let (width, rowHeight, left) = (1000.0, 26.0, 110.0)
        var svg =
            "<svg role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(rowHeight * Double(rows.count) + 10))\" width=\"\(Int(width))\" height=\"\(Int(rowHeight * Double(rows.count) + 10))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for (index, row) in rows.enumerated() {
            let total = max(Double(row.completed), 1)
            var offset = left
            let top = 5 + Double(index) * rowHeight
            svg += "<text x=\"4\" y=\"\(f(top + 16))\" font-size=\"12\">\(escape(row.endpoint))</text>\n"
            for status in StatusClass.allCases {
                let count = Double(row.status[status.rawValue] ?? 0)
                guard count > 0 else { continue }
                let span = (width - left - 10) * count / total
                svg +=
                    "<rect x=\"\(f(offset))\" y=\"\(f(top))\" width=\"\(f(max(span, 1)))\" height=\"\(f(rowHeight - 6))\" fill=\"\(colors[status]!)\"><title>\(status.rawValue): \(Int(count))</title></rect>\n"
                offset += span
            }
        }
        svg +=
            "</svg>\n<div class=\"legend\">"
            + StatusClass.allCases.map { "<span><span class=\"swatch\" style=\"background:\(colors[$0]!)\"></span>\($0.rawValue)</span>" }.joined()
            + "</div>\n"
        return svg
    }

    /// Per window, one series per status code outside 2xx that was answered at all.
    func codeSeries() -> [Series] {
        let colors = ["#8250df", "#cf222e", "#bf8700", "#0969da", "#1a7f37", "#6e7781", "#e16f24", "#000000"]
        let codes = Set(result.windows.flatMap { $0.endpoints.values.flatMap(\.codes.keys) }).filter { !$0.hasPrefix("2") }.sorted()
        return codes.enumerated().map { index, code in
            Series(
                name: code, color: colors[index % colors.count],
                points: result.windows.map { window in
                    (window.profileStartSeconds, Double(window.endpoints.values.reduce(0) { $0 + ($1.codes[code] ?? 0) }))
                })
        }
    }

    /// Requests by endpoint and status code answered (`shop-load/1` results have none).
    func codeTable() -> String {
        let codes = Set(result.summary.flatMap(\.codes.keys)).sorted()
        guard !codes.isEmpty else { return "" }
        var html = "<table><tr><th>endpoint</th>" + codes.map { "<th>\($0)</th>" }.joined() + "<th>no answer</th></tr>\n"
        for row in result.summary {
            let cells = codes.map { "\(row.codes[$0] ?? 0)" } + ["\(row.status[StatusClass.error.rawValue] ?? 0)"]
            html += "<tr><td>\(escape(row.endpoint))</td>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }

    func summaryTable() -> String {
        var html =
            "<table><tr><th>endpoint</th><th>count</th><th>rate/s</th><th>errors</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>p99 from send</th><th>late</th><th>dropped</th></tr>\n"
        for row in result.summary {
            let cells = [
                escape(row.endpoint), "\(row.completed)", String(format: "%.1f", row.rate), String(format: "%.2f%%", row.errorRate * 100),
                SummaryTable.milliseconds(row.corrected.p50), SummaryTable.milliseconds(row.corrected.p90),
                SummaryTable.milliseconds(row.corrected.p99),
                SummaryTable.milliseconds(row.corrected.p999), SummaryTable.milliseconds(row.corrected.max),
                SummaryTable.milliseconds(row.uncorrected.p99),
                "\(row.late)", "\(row.dropped)",
            ]
            html += "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>\n"
        }
        return html + "</table>\n"
    }

    func label(_ value: Double) -> String { HTMLText.label(value) }

    func f(_ value: Double) -> String { HTMLText.number(value) }

    func escape(_ text: String) -> String { HTMLText.escape(text) }
}
