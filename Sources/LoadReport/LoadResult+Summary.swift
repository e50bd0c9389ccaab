import Foundation
import Histogram
import LoadProfile
import ShopDomain

/// What a result says as a whole: its summary, its thresholds' verdicts, and several shards merged.
extension LoadResult {
    /// Per endpoint and for all together, from the windows' merged histograms (never averaged percentiles).
    package static func summarise(_ windows: [Window], wallSeconds: Double) -> [EndpointSummary] {
        var totals: [String: EndpointCounts] = [:]
        var histograms: [String: (corrected: Histogram<UInt64>, uncorrected: Histogram<UInt64>)] = [:]
        for window in windows {
            for (endpoint, counts) in window.endpoints {
                for key in [endpoint, "all"] {
                    totals[key, default: EndpointCounts()].addCounts(counts)
                    // Added in place: a copy taken out of the dictionary would copy the whole histogram on write.
                    counts.corrected.add(to: &histograms[key, default: (LatencyHistogram.make(), LatencyHistogram.make())].corrected)
                    counts.uncorrected.add(to: &histograms[key, default: (LatencyHistogram.make(), LatencyHistogram.make())].uncorrected)
                }
            }
        }
        let order = Endpoint.allCases.map(\.rawValue) + ["all"]
        return order.compactMap { key in
            guard let total = totals[key], let pair = histograms[key] else { return nil }
            let completed = total.completed
            return EndpointSummary(
                endpoint: key, scheduled: total.scheduled, sent: total.sent, completed: completed, late: total.late, dropped: total.dropped,
                errors: total.errors, status: total.status, codes: total.codes, rate: wallSeconds > 0 ? Double(completed) / wallSeconds : 0,
                errorRate: completed > 0 ? Double(total.errors) / Double(completed) : 0,
                corrected: Percentiles(pair.corrected), uncorrected: Percentiles(pair.uncorrected))
        }
    }

    /// Each threshold against the summary of its endpoint (or of all); percentiles from the merged histograms.
    package static func evaluate(_ thresholds: [Threshold], windows: [Window], summary: [EndpointSummary]) -> [ThresholdOutcome] {
        thresholds.map { threshold in
            let key = threshold.endpoint?.rawValue
            guard let row = summary.first(where: { $0.endpoint == (key ?? "all") }) else {
                // Nothing of that endpoint ran: a condition on nothing holds.
                return ThresholdOutcome(expression: threshold.expression, observed: 0, passed: true)
            }
            let observed: Double
            switch threshold.metric {
            case .percentile(let percentile):
                var histogram = LatencyHistogram.make()
                for window in windows {
                    for (endpoint, counts) in window.endpoints where key == nil || endpoint == key { counts.corrected.add(to: &histogram) }
                }
                observed = histogram.totalCount == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1_000_000
            case .errorRate: observed = row.errorRate
            case .lateRate: observed = row.sent > 0 ? Double(row.late) / Double(row.sent) : 0
            case .droppedRate: observed = row.scheduled > 0 ? Double(row.dropped) / Double(row.scheduled) : 0
            }
            return ThresholdOutcome(expression: threshold.expression, observed: observed, passed: threshold.holds(for: observed))
        }
    }

    /// Several shards' results as one: windows merged by index, histograms added, summary and thresholds
    /// computed again. The shards must come from one profile, seed and speed.
    package static func merge(_ results: [LoadResult]) throws(MergeError) -> LoadResult {
        guard var merged = results.first else { throw MergeError("nothing to merge") }
        merged.stop = merged.stop.map { stopped($0, merged) }
        for other in results.dropFirst() {
            guard other.schema == merged.schema else { throw MergeError("\(other.schema) is not \(merged.schema)") }
            guard other.profile.name == merged.profile.name, other.profile.seed == merged.profile.seed, other.clocks.speed == merged.clocks.speed,
                other.clocks.windowSeconds == merged.clocks.windowSeconds
            else { throw MergeError("results of different runs (profile, seed, speed or window differ)") }
            let overlap = Set(other.shards).intersection(merged.shards)
            guard overlap.isEmpty else { throw MergeError("shard \(overlap.first!) appears twice") }
            merged.shards += other.shards
            merged.interrupted = merged.interrupted || other.interrupted
            // The earliest stop on the profile's clock, with the shard it stopped (each shard checks its own counts).
            if let stop = other.stop.map({ stopped($0, other) }), merged.stop.map({ stop.profileSeconds < $0.profileSeconds }) ?? true {
                merged.stop = stop
            }
            merged.clocks.wallSeconds = max(merged.clocks.wallSeconds, other.clocks.wallSeconds)
            merged.clocks.startedAt = min(merged.clocks.startedAt, other.clocks.startedAt)
            merged.clocks.profileEndSeconds = max(merged.clocks.profileEndSeconds, other.clocks.profileEndSeconds)
            var byIndex = Dictionary(uniqueKeysWithValues: merged.windows.map { ($0.index, $0) })
            for window in other.windows {
                guard var existing = byIndex[window.index] else {
                    byIndex[window.index] = window
                    continue
                }
                existing.targetRequests += window.targetRequests
                for (endpoint, counts) in window.endpoints {
                    var combined = existing.endpoints[endpoint] ?? EndpointCounts()
                    combined.add(counts)
                    existing.endpoints[endpoint] = combined
                }
                byIndex[window.index] = existing
            }
            merged.windows = byIndex.values.sorted { $0.index < $1.index }
        }
        merged.shards.sort { $0.index < $1.index }
        merged.summary = summarise(merged.windows, wallSeconds: merged.clocks.wallSeconds)
        let thresholds = merged.profile.thresholds.compactMap { try? Threshold(parsing: $0) }
        merged.thresholds = evaluate(thresholds, windows: merged.windows, summary: merged.summary)
        return merged
    }

    /// `stop` naming the shard it happened in, when its result held one shard.
    private static func stopped(_ stop: Stop, _ result: LoadResult) -> Stop {
        var stop = stop
        if stop.shard == nil, result.shards.count == 1, let shard = result.shards.first, shard != .whole { stop.shard = shard }
        return stop
    }

    package struct MergeError: Error, CustomStringConvertible {
        package let description: String
        init(_ description: String) { self.description = description }
    }
}
