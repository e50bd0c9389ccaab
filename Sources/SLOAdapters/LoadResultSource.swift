import Foundation
import HTTPTypes
import LoadProfile
import LoadReport
import SLOMath
import SLOSpec
import ShopContract
import ShopDomain

/// Error-budget reports from a `shop-load` result, on the profile's clock: each result window is a step
/// of the SLI's timeline, counting the endpoints whose route the SLO covers. Availability counts 5xx and
/// requests that got no answer as bad; latency counts requests over the threshold from their intended
/// start (coordinated omission corrected) as bad. Dropped starts never reached the service and are left out.
package enum LoadResultSource {
    package static func report(_ slo: ServiceLevelObjective, _ result: LoadResult, source: String) -> BudgetReport {
        guard let timeline = timeline(slo, result) else {
            var report = BudgetReport(slo, source: source)
            report.unmeasured = "its SLI is a PromQL ratio, which a load result does not measure"
            return report
        }
        return BudgetReport.make(slo, source: source, timeline: timeline, start: result.clocks.profileStartSeconds, phases: phases(result))
    }

    /// Bad and total per result window, nil for an indicator a load result cannot measure.
    package static func timeline(_ slo: ServiceLevelObjective, _ result: LoadResult) -> SLITimeline? {
        var timeline = SLITimeline(step: result.clocks.windowSeconds)
        switch slo.indicator {
        case .ratio: return nil
        case .availability(let routes):
            for window in result.windows.sorted(by: { $0.index < $1.index }) {
                var bad = 0, total = 0
                for counts in covered(window, routes) {
                    total += counts.completed
                    bad += counts.errors
                }
                timeline.append(bad: Double(bad), total: Double(total))
            }
        case .latency(let routes, let threshold):
            let limit = UInt64((threshold * 1_000_000).rounded())
            for window in result.windows.sorted(by: { $0.index < $1.index }) {
                var good: UInt64 = 0, total: UInt64 = 0
                for counts in covered(window, routes) {
                    for pair in counts.corrected.counts where pair.count == 2 {
                        total += pair[1]
                        if pair[0] <= limit { good += pair[1] }
                    }
                }
                timeline.append(bad: Double(total - good), total: Double(total))
            }
        }
        return timeline
    }

    /// The window's counts of the endpoints whose route `routes` covers.
    static func covered(_ window: LoadResult.Window, _ routes: HTTPRoutes) -> [LoadResult.EndpointCounts] {
        window.endpoints.compactMap { name, counts in
            guard let endpoint = Endpoint(rawValue: name), routes.contains(method: endpoint.route.method.rawValue, template: endpoint.route.template)
            else { return nil }
            return counts
        }
    }

    /// The profile cut where a spike starts or ends or the fault schedule changes, each piece named for
    /// what is going on in it.
    package static func phases(_ result: LoadResult) -> [(name: String, start: Double, end: Double)] {
        let start = result.clocks.profileStartSeconds, end = result.clocks.profileEndSeconds
        var cuts = Set([start, end])
        for spike in result.profile.spikes { cuts.formUnion([spike.startSeconds, spike.endSeconds]) }
        for fault in result.profile.faults { cuts.insert(fault.atSeconds) }
        let sorted = cuts.filter { $0 >= start && $0 <= end }.sorted()
        return zip(sorted, sorted.dropFirst()).map { from, to in
            var parts = result.profile.spikes.filter { $0.startSeconds <= from && $0.endSeconds >= to }.map {
                "\($0.name) \(PrometheusRules.number($0.multiplier))×"
            }
            if let faults = result.profile.faults.last(where: { $0.atSeconds <= from })?.settings, let text = describe(faults) { parts.append(text) }
            return (parts.isEmpty ? "normal traffic" : parts.joined(separator: ", "), from, to)
        }
    }

    /// A fault setting in a few words; nil when nothing is injected.
    static func describe(_ faults: Faults) -> String? {
        var parts: [String] = []
        if faults.gatewayFailureRatio > 0 { parts.append("gateway fails \(PrometheusRules.percent(faults.gatewayFailureRatio))") }
        if faults.gatewayLatencyMilliseconds > 0 { parts.append("gateway +\(faults.gatewayLatencyMilliseconds)ms") }
        if faults.databaseLatencyMilliseconds > 0 { parts.append("database +\(faults.databaseLatencyMilliseconds)ms") }
        for (route, fault) in faults.routes.sorted(by: { $0.key < $1.key }) {
            if fault.errorRatio > 0 { parts.append("\(route) \(PrometheusRules.percent(fault.errorRatio)) errors") }
            if fault.latencyMilliseconds > 0 { parts.append("\(route) +\(fault.latencyMilliseconds)ms") }
        }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }
}
