import Histogram
import LoadProfile
import LoadReport

/// Counts and latencies per profile-time window and endpoint, as a worker records them. A window stays open
/// while requests due in it are unanswered, then is written out sparse and its histograms freed: a
/// day replayed in minutes holds a handful of live windows, not a day's worth. Confined to its worker's
/// event loop.
final class WindowRecorder {
    /// One endpoint's figures in one window, and the window (so a request holds one reference, not two).
    final class Live {
        let window: Window
        var counts = LoadResult.EndpointCounts()
        /// By `StatusClass.allCases` order; into `counts.status` when the window closes.
        var statuses = [Int](repeating: 0, count: StatusClass.allCases.count)
        var corrected = LatencyHistogram.make()
        var uncorrected = LatencyHistogram.make()

        init(window: Window) { self.window = window }
    }

    /// A window's live figures: one `Live` per endpoint, and how many of its requests are unanswered.
    final class Window {
        var endpoints: [Live?] = Array(repeating: nil, count: Endpoint.allCases.count)
        var outstanding = 0

        func stats(_ endpoint: Endpoint) -> Live {
            let index = endpoint.ordinal
            if let stats = endpoints[index] { return stats }
            let stats = Live(window: self)
            endpoints[index] = stats
            return stats
        }
    }

    let windowSeconds: Double
    private var live: [Int: Window] = [:]
    /// The window arrivals were last scheduled in: almost every arrival falls in it.
    private var latest: (index: Int, window: Window)?
    private(set) var closed: [Int: [String: LoadResult.EndpointCounts]] = [:]

    init(windowSeconds: Double) {
        self.windowSeconds = windowSeconds
    }

    private func window(_ index: Int) -> Window {
        if let latest, latest.index == index { return latest.window }
        let window = live[index] ?? Window()
        live[index] = window
        latest = (index, window)
        return window
    }

    /// An arrival due in `window`: the figures its outcome goes to, held by the request until it ends.
    func scheduled(window index: Int, endpoint: Endpoint) -> Live {
        let window = window(index)
        let stats = window.stats(endpoint)
        stats.counts.scheduled += 1
        window.outstanding += 1
        return stats
    }

    func dropped(_ stats: Live) {
        stats.counts.dropped += 1
        stats.window.outstanding -= 1
    }

    func completed(_ stats: Live, status: StatusClass, late: Bool, corrected: Int64, uncorrected: Int64, sent: Bool = true) {
        if sent { stats.counts.sent += 1 }
        if late { stats.counts.late += 1 }
        stats.statuses[status.ordinal] += 1
        LatencyHistogram.record(corrected, in: &stats.corrected)
        if sent { LatencyHistogram.record(uncorrected, in: &stats.uncorrected) }
        stats.window.outstanding -= 1
    }

    /// Writes out every window before `window` with nothing left unanswered.
    func closeWindows(before index: Int) {
        for (key, window) in live where key < index && window.outstanding == 0 {
            var endpoints: [String: LoadResult.EndpointCounts] = [:]
            for (ordinal, stats) in window.endpoints.enumerated() {
                guard let stats else { continue }
                var counts = stats.counts
                for (status, count) in zip(StatusClass.allCases, stats.statuses) where count > 0 { counts.status[status.rawValue] = count }
                counts.corrected = SparseHistogram(stats.corrected)
                counts.uncorrected = SparseHistogram(stats.uncorrected)
                endpoints[Endpoint.allCases[ordinal].rawValue] = counts
            }
            closed[key] = endpoints
            // Its figures point back at it: let both go.
            window.endpoints.removeAll()
            live[key] = nil
            if latest?.index == key { latest = nil }
        }
    }
}
