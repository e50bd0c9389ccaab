import Foundation
import ShopSupport

/// A capacity search as one self-contained HTML file (inline SVG, no script): the conclusion, each step's
/// corrected p99 and achieved peak against the peak it asked for, green where every threshold and SLO
/// held and red where something failed, and the steps' table with why each failed.
package struct CapacityReport {
    let result: CapacityResult

    package init(_ result: CapacityResult) { self.result = result }

    static let held = "#1a7f37"
    static let failed = "#cf222e"

    package func render() -> String {
        let steps = result.steps
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>shop-load capacity: \(HTMLText.escape(result.profile))</title>
            <style>\(HTMLText.style)</style></head><body>
            <h1>shop-load capacity — \(HTMLText.escape(result.profile))</h1>
            <p class="\(result.capacity == nil ? "fail" : "pass")" style="font-size:18px">\(HTMLText.escape(result.conclusion))</p>
            <p>Target \(HTMLText.escape(result.target)) · each step replays \(DurationText.text(result.profileSeconds)) of the profile in \(DurationText.text(result.stepWallSeconds)) of wall time, scaled to its peak · seed \(result.seed) · started \(HTMLText.escape(result.startedAt)) · precision \(String(format: "%.0f%%", result.precision * 100))</p>
            <p>Held means every threshold (\(HTMLText.escape(result.thresholds.isEmpty ? "none" : result.thresholds.joined(separator: ", ")))) and no page or ticket condition of the SLOs (\(HTMLText.escape(result.slos.isEmpty ? "none" : result.slos.joined(separator: ", "))))\(result.unmeasured.isEmpty ? "" : "; not measured by a run's counts: " + HTMLText.escape(result.unmeasured.joined(separator: ", "))).</p>

            """
        html += "<h2>Corrected p99 by peak rate asked</h2>\n"
        html += chart(steps.map { ($0.peakRate, $0.p99 * 1000, $0.held) }, unit: "ms", diagonal: false)
        html += "<h2>Peak achieved by peak rate asked</h2>\n"
        html += chart(steps.map { ($0.peakRate, $0.peakAchieved, $0.held) }, unit: "req/s", diagonal: true)
        html += "<div class=\"legend\"><span><span class=\"swatch\" style=\"background:\(Self.held)\"></span>held</span>"
        html += "<span><span class=\"swatch\" style=\"background:\(Self.failed)\"></span>failed</span></div>\n"
        html += "<h2>Steps, in the order run</h2>\n<table><tr>"
        html += ["step", "peak asked", "peak achieved", "p50", "p99", "p99 from send", "errors", "late", "dropped", "wall"].map { "<th>\($0)</th>" }
            .joined()
        html += "<th style=\"text-align:left\">verdict</th></tr>\n"
        for (index, step) in steps.enumerated() {
            let cells = [
                "\(index + 1)", SummaryTable.short(step.peakRate), SummaryTable.short(step.peakAchieved), SummaryTable.milliseconds(step.p50),
                SummaryTable.milliseconds(step.p99), SummaryTable.milliseconds(step.uncorrectedP99), CapacityResult.percent(step.errorRate),
                CapacityResult.percent(step.lateShare), CapacityResult.percent(step.droppedShare), String(format: "%.1f\u{A0}s", step.wallSeconds),
            ]
            html += "<tr>" + cells.map { "<td>\($0)</td>" }.joined()
            html +=
                "<td class=\"\(step.held ? "pass" : "fail")\" style=\"text-align:left\">\(step.held ? "held" : "FAILED: " + HTMLText.escape(step.failures.joined(separator: "; ")))</td></tr>\n"
        }
        return html + "</table>\n</body></html>\n"
    }

    /// Points over the peak rate asked, coloured by verdict; with `diagonal`, the line where achieved equals asked.
    func chart(_ points: [(x: Double, y: Double, held: Bool)], unit: String, diagonal: Bool) -> String {
        let (width, height, left, bottom, top, right) = (1000.0, 280.0, 70.0, 36.0, 12.0, 16.0)
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maxX = (points.map(\.x).max() ?? 1) * 1.1
        let maxY = max(points.map(\.y).max() ?? 1, diagonal ? maxX / 1.1 : 0, 1e-9) * 1.1
        let x = { (value: Double) in left + plotWidth * value / maxX }
        let y = { (value: Double) in top + plotHeight * (1 - value / maxY) }
        let n = HTMLText.number
        var svg =
            "<svg role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\">\n"
        for tick in 0...4 {
            let value = maxY / 1.1 * Double(tick) / 4
            svg += "<line x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(y(value)))\" y2=\"\(n(y(value)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(n(left - 6))\" y=\"\(n(y(value) + 4))\" font-size=\"11\" text-anchor=\"end\">\(HTMLText.label(value))</text>\n"
            let rate = maxX / 1.1 * Double(tick) / 4
            svg +=
                "<text x=\"\(n(x(rate)))\" y=\"\(n(height - bottom + 16))\" font-size=\"11\" text-anchor=\"middle\">\(HTMLText.label(rate))</text>\n"
        }
        svg +=
            "<text x=\"\(n(left + plotWidth / 2))\" y=\"\(n(height - 4))\" font-size=\"11\" text-anchor=\"middle\">peak rate asked, req/s (\(unit) on the left)</text>\n"
        svg += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotWidth))\" height=\"\(n(plotHeight))\" fill=\"none\" stroke=\"#999\"/>\n"
        if diagonal {
            let end = min(maxX, maxY)
            svg += "<line x1=\"\(n(x(0)))\" y1=\"\(n(y(0)))\" x2=\"\(n(x(end)))\" y2=\"\(n(y(end)))\" stroke=\"#6e7781\" stroke-dasharray=\"4 4\"/>\n"
        }
        if let capacity = result.capacity {
            svg +=
                "<line x1=\"\(n(x(capacity)))\" x2=\"\(n(x(capacity)))\" y1=\"\(n(top))\" y2=\"\(n(top + plotHeight))\" stroke=\"\(Self.held)\" stroke-dasharray=\"6 3\"><title>capacity \(SummaryTable.short(capacity)) req/s</title></line>\n"
        }
        for point in points {
            svg +=
                "<circle cx=\"\(n(x(point.x)))\" cy=\"\(n(y(point.y)))\" r=\"7\" fill=\"\(point.held ? Self.held : Self.failed)\"><title>\(SummaryTable.short(point.x)) req/s: \(HTMLText.label(point.y)) \(unit)</title></circle>\n"
        }
        return svg + "</svg>\n"
    }
}
