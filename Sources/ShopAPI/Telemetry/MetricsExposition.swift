import NIOCore
import Prometheus

/// Renders a registry for a scraper: the Prometheus text format, or OpenMetrics 1.0 when the scraper's
/// Accept header asks for it. Written here because swift-prometheus emits only the Prometheus format.
enum MetricsExposition {
    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"
    static let openMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    static func wantsOpenMetrics(accept: String?) -> Bool {
        accept?.lowercased().contains("application/openmetrics-text") ?? false
    }

    /// `exemplars` go on the request-duration buckets, in OpenMetrics only: the Prometheus text format has no place for them.
    static func render(
        _ registry: PrometheusCollectorRegistry, openMetrics: Bool, exemplars: RequestExemplars? = nil
    ) -> (contentType: String, body: ByteBuffer) {
        let text = registry.emitToString()
        guard openMetrics else { return (prometheusContentType, ByteBuffer(string: text)) }
        let converted = Self.openMetrics(fromPrometheusText: text)
        return (openMetricsContentType, ByteBuffer(string: exemplars?.annotate(converted) ?? converted))
    }

    /// The same samples in OpenMetrics: a counter's family (in `# TYPE` and `# HELP`) is named without its
    /// `_total` suffix, which stays on the samples, and the exposition ends with `# EOF`.
    static func openMetrics(fromPrometheusText text: String) -> String {
        var counters: Set<Substring> = []
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") && line.hasSuffix(" counter") {
            let name = line.dropFirst("# TYPE ".count).dropLast(" counter".count)
            if name.hasSuffix("_total") { counters.insert(name) }
        }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP ") {
                let keyword = line.prefix(7)
                let rest = line.dropFirst(7)
                let name = rest.prefix { $0 != " " }
                if counters.contains(name) {
                    out += keyword + name.dropLast("_total".count) + rest.dropFirst(name.count) + "\n"
                    continue
                }
            }
            out += line + "\n"
        }
        return out + "# EOF\n"
    }
}
