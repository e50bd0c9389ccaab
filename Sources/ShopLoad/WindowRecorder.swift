import Histogram
import LoadProfile
import LoadReport
import ShopTracing

/// Counts and latencies per profile-time window and endpoint, as a worker records them. A window stays open
/// while requests due in it are unanswered, then is written out sparse to the run's `WindowBoard` and its
/// histograms freed: a day replayed in minutes holds a handful of live windows, not a day's worth. Confined
/// to its worker's event loop.
final class WindowRecorder {
    /// One endpoint's figures in one window, and the window (so a request holds one reference, not two).
    final class Live {
        let window: Window
        let endpoint: Endpoint
        var counts = LoadResult.EndpointCounts()
        /// By `StatusClass.allCases` order; into `counts.status` when the window closes.
        var statuses = [Int](repeating: 0, count: StatusClass.allCases.count)
        /// Status codes answered and their counts: a handful per endpoint, so a list searched in order.
        var codes: [(code: Int, count: Int)] = []
        /// The slowest requests so far, slowest first: `SlowRequest.kept` at most.
        var slowest: [(corrected: Int64, trace: TraceParent?, code: Int?)] = []
        var corrected = LatencyHistogram.make()
        var uncorrected = LatencyHistogram.make()

        init(window: Window, endpoint: Endpoint) {
            self.window = window
            self.endpoint = endpoint
        }
    }

    /// A window's live figures: one `Live` per endpoint, and how many of its requests are unanswered.
    final class Window {
        var endpoints: [Live?] = Array(repeating: nil, count: Endpoint.allCases.count)
        var outstanding = 0

        func stats(_ endpoint: Endpoint) -> Live {
            let index = endpoint.ordinal
            if let stats = endpoints[index] { return stats }
            let stats = Live(window: self, endpoint: endpoint)
            endpoints[index] = stats
            return stats
        }
    }

    let windowSeconds: Double
    private var live: [Int: Window] = [:]
    /// The window arrivals were last scheduled in: almost every arrival falls in it.
    private var latest: (index: Int, window: Window)?
    /// Where closed windows go, and this worker's place on it.
    private let board: WindowBoard
    private let worker: Int
    /// `--metrics-port`'s handles, when the run serves them.
    private let metrics: LiveMetrics.Recorder?
    /// What the board last heard from this worker: every window below it closed.
    private var reported = 0

    init(windowSeconds: Double, board: WindowBoard, worker: Int, metrics: LiveMetrics?) {
        self.windowSeconds = windowSeconds
        self.board = board
        self.worker = worker
        self.metrics = metrics.map(LiveMetrics.Recorder.init)
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
        metrics?.dropped(stats.endpoint)
        stats.window.outstanding -= 1
    }

    /// `code` is the status code answered, nil when no answer came.
    func completed(_ stats: Live, code: Int?, late: Bool, corrected: Int64, uncorrected: Int64, sent: Bool = true, trace: TraceParent? = nil) {
        if sent { stats.counts.sent += 1 }
        if late { stats.counts.late += 1 }
        stats.statuses[(code.map(StatusClass.init(status:)) ?? .error).ordinal] += 1
        if let code {
            if let place = stats.codes.firstIndex(where: { $0.code == code }) {
                stats.codes[place].count += 1
            } else {
                stats.codes.append((code, 1))
            }
        }
        if stats.slowest.count < LoadResult.SlowRequest.kept || corrected > stats.slowest[stats.slowest.count - 1].corrected {
            let place = stats.slowest.firstIndex { corrected > $0.corrected } ?? stats.slowest.count
            stats.slowest.insert((corrected, trace, code), at: place)
            if stats.slowest.count > LoadResult.SlowRequest.kept { stats.slowest.removeLast() }
        }
        LatencyHistogram.record(corrected, in: &stats.corrected)
        if sent { LatencyHistogram.record(uncorrected, in: &stats.uncorrected) }
        stats.window.outstanding -= 1
        metrics?.completed(stats.endpoint, code: code, late: late, corrected: corrected, uncorrected: sent ? uncorrected : nil)
    }

    /// Writes out every window before `index` with nothing left unanswered.
    func closeWindows(before index: Int) {
        var closed: [Int: [String: LoadResult.EndpointCounts]] = [:]
        for (key, window) in live where key < index && window.outstanding == 0 {
            var endpoints: [String: LoadResult.EndpointCounts] = [:]
            for (ordinal, stats) in window.endpoints.enumerated() {
                guard let stats else { continue }
                var counts = stats.counts
                for (status, count) in zip(StatusClass.allCases, stats.statuses) where count > 0 { counts.status[status.rawValue] = count }
                for (code, count) in stats.codes { counts.codes[String(code)] = count }
                counts.slowest = stats.slowest.compactMap { slow in
                    slow.trace.map {
                        LoadResult.SlowRequest(
                            microseconds: UInt64(max(slow.corrected, 0) / 1_000), traceId: $0.traceID, sampled: $0.isSampled, code: slow.code)
                    }
                }
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
        // Every window below this one is closed here: none opens again, as arrivals come in profile-time order.
        let open = min(live.keys.min() ?? index, index)
        if !closed.isEmpty || open > reported {
            board.add(closed, worker: worker, closedBefore: open)
            reported = open
        }
    }
}
