import Histogram
import LoadProfile

/// Counts and latencies per profile-time window and endpoint, as a worker records them. A window stays open
/// while requests due in it are unanswered, then is written out sparse and its histograms freed: a
/// day replayed in minutes holds a handful of live windows, not a day's worth. Confined to its worker's
/// event loop.
final class WindowRecorder {
    final class Live {
        var counts = LoadResult.EndpointCounts()
        var corrected = LatencyHistogram.make()
        var uncorrected = LatencyHistogram.make()
    }

    let windowSeconds: Double
    private var live: [Int: [Endpoint: Live]] = [:]
    private var outstanding: [Int: Int] = [:]
    private(set) var closed: [Int: [String: LoadResult.EndpointCounts]] = [:]

    init(windowSeconds: Double) {
        self.windowSeconds = windowSeconds
    }

    private func stats(_ window: Int, _ endpoint: Endpoint) -> Live {
        if let stats = live[window]?[endpoint] { return stats }
        let stats = Live()
        live[window, default: [:]][endpoint] = stats
        return stats
    }

    func scheduled(window: Int, endpoint: Endpoint) {
        stats(window, endpoint).counts.scheduled += 1
        outstanding[window, default: 0] += 1
    }

    func dropped(window: Int, endpoint: Endpoint) {
        stats(window, endpoint).counts.dropped += 1
        outstanding[window, default: 0] -= 1
    }

    func completed(window: Int, endpoint: Endpoint, status: StatusClass, late: Bool, corrected: Int64, uncorrected: Int64, sent: Bool = true) {
        let stats = stats(window, endpoint)
        if sent { stats.counts.sent += 1 }
        if late { stats.counts.late += 1 }
        stats.counts.status[status.rawValue, default: 0] += 1
        LatencyHistogram.record(corrected, in: &stats.corrected)
        if sent { LatencyHistogram.record(uncorrected, in: &stats.uncorrected) }
        outstanding[window, default: 0] -= 1
    }

    /// Writes out every window before `window` with nothing left unanswered.
    func closeWindows(before window: Int) {
        for index in live.keys where index < window && (outstanding[index] ?? 0) == 0 {
            var endpoints: [String: LoadResult.EndpointCounts] = [:]
            for (endpoint, stats) in live[index]! {
                var counts = stats.counts
                counts.corrected = SparseHistogram(stats.corrected)
                counts.uncorrected = SparseHistogram(stats.uncorrected)
                endpoints[endpoint.rawValue] = counts
            }
            closed[index] = endpoints
            live[index] = nil
            outstanding[index] = nil
        }
    }
}
