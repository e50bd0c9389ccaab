import Foundation
import ShopContract
import ShopMetrics
import ShopTracing
import Synchronization

/// The latest sampled trace in each bucket of each request-duration series, written as OpenMetrics
/// exemplars (`# {trace_id="…",span_id="…"} value timestamp`) on the bucket lines, so a slow bucket in
/// Grafana links to a trace. Written here because swift-prometheus 2.x has no exemplars: its histogram
/// renders the buckets and this adds the exemplar to each line that has one.
final class RequestExemplars: Sendable {
    struct Exemplar: Equatable {
        let trace: TraceParent
        let seconds: Double
        /// Seconds since the Unix epoch.
        let timestamp: Double
    }

    private let bounds = MetricNames.requestDurationBuckets
    /// Keyed by the series' labels as the histogram renders them; one slot per bucket and one for +Inf.
    private let latest = Mutex<[String: [Exemplar?]]>([:])

    /// The labels as swift-prometheus renders them (the values come from bounded sets without quotes).
    static func labels(method: String, route: String, status: Int, synthetic: Bool = false) -> String {
        #"http_request_method="\#(method)",http_route="\#(route)",http_response_status_code="\#(status)",synthetic="\#(synthetic)""#
    }

    /// Keeps `trace` as the exemplar of the smallest bucket `seconds` falls in, as OpenMetrics requires.
    func record(labels: String, seconds: Double, trace: TraceParent, now: Double = Date().timeIntervalSince1970) {
        let bucket = bounds.firstIndex { seconds <= $0 } ?? bounds.count
        let exemplar = Exemplar(trace: trace, seconds: seconds, timestamp: now)
        latest.withLock { latest in
            latest[labels, default: Array(repeating: nil, count: bounds.count + 1)][bucket] = exemplar
        }
    }

    /// `text` (OpenMetrics, from swift-prometheus's rendering) with each request-duration bucket line that has an
    /// exemplar followed by it.
    func annotate(_ text: String) -> String {
        let snapshot = latest.withLock { $0 }
        guard !snapshot.isEmpty else { return text }
        let prefix = MetricNames.requestDuration.name + "_bucket{"
        var out = ""
        out.reserveCapacity(text.utf8.count + snapshot.count * 200)
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            out += line
            if line.hasPrefix(prefix), let exemplar = exemplar(for: line.dropFirst(prefix.count), in: snapshot) {
                out += #" # {trace_id=""# + exemplar.trace.traceID + #"",span_id=""# + exemplar.trace.spanID + #""} "#
                out += "\(exemplar.seconds) " + String(format: "%.3f", exemplar.timestamp)
            }
            out += "\n"
        }
        out.removeLast()
        return out
    }

    /// The exemplar for a bucket line's labels (`…,le="0.25"} 12`), if one was kept.
    private func exemplar(for labelsAndValue: Substring, in snapshot: [String: [Exemplar?]]) -> Exemplar? {
        guard let le = labelsAndValue.range(of: #",le=""#) else { return nil }
        let bound = labelsAndValue[le.upperBound...].prefix { $0 != "\"" }
        guard let slots = snapshot[String(labelsAndValue[..<le.lowerBound])] else { return nil }
        let index = bound == "+Inf" ? bounds.count : Double(bound).flatMap { value in bounds.firstIndex { $0 == value } }
        return index.flatMap { slots[$0] }
    }
}
