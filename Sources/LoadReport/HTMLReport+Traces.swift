import Foundation
import ShopSupport

/// The report's way from a slow point to its trace: marks on the latency chart and a table of the slowest
/// requests, linked with `--trace-url`.
extension HTMLReport {
    /// A point on a chart that names (and, with a trace URL, links to) the trace of a slow request.
    struct Mark {
        var x: Double
        var y: Double
        var title: String
        var link: String?
    }

    /// On each window's p99, its slowest request: what it was and where its trace is.
    func slowestMarks(_ rows: [WindowFigures]) -> [Mark] {
        zip(result.windows, rows).compactMap { window, row in
            let slow = window.endpoints.flatMap { name, counts in counts.slowest.map { (name, $0) } }.max { $0.1.microseconds < $1.1.microseconds }
            guard let (endpoint, request) = slow else { return nil }
            return Mark(x: row.time, y: row.p99, title: "slowest: \(describe(request, endpoint: endpoint))", link: link(request))
        }
    }

    func describe(_ request: LoadResult.SlowRequest, endpoint: String) -> String {
        "\(endpoint) \(SummaryTable.milliseconds(Double(request.microseconds) / 1e6)) \(request.code.map(String.init) ?? "no answer"), trace \(request.traceId)\(request.sampled ? " (sampled)" : "")"
    }

    func link(_ request: LoadResult.SlowRequest) -> String? {
        result.traceURL.map { $0.replacingOccurrences(of: "{trace_id}", with: request.traceId) }
    }

    /// The run's ten slowest requests, each with its trace: linked with `--trace-url`, and findable in the
    /// service's access lines by its id in any case.
    func slowestTable() -> String {
        let all = result.windows.flatMap { window in
            window.endpoints.flatMap { name, counts in counts.slowest.map { (time: window.profileStartSeconds, endpoint: name, request: $0) } }
        }.sorted { $0.request.microseconds > $1.request.microseconds }.prefix(10)
        guard !all.isEmpty else { return "" }
        var html = "<h2>Slowest requests and their traces</h2>\n<table><tr><th>window</th><th>endpoint</th><th>latency</th><th>status</th>"
        html += "<th style=\"text-align:left\">trace</th></tr>\n"
        for (time, endpoint, request) in all {
            let id = link(request).map { "<a href=\"\(escape($0))\">\(request.traceId)</a>" } ?? request.traceId
            html +=
                "<tr><td>\(DurationText.text(time))</td><td>\(escape(endpoint))</td><td>\(SummaryTable.milliseconds(Double(request.microseconds) / 1e6))</td><td>\(request.code.map(String.init) ?? "no answer")</td><td style=\"text-align:left\"><code>\(id)</code>\(request.sampled ? " sampled" : "")</td></tr>\n"
        }
        return html + "</table>\n"
    }
}
