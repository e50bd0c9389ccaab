import Foundation
import Histogram
import LoadProfile
import LoadReport
import Testing

/// The result's own arithmetic: histograms kept sparse and exact, windows summarised, thresholds judged.
@Suite struct LoadResultTests {
    @Test func aSparseHistogramIsTheSameHistogram() throws {
        var histogram = LatencyHistogram.make()
        var random = SplitMix64(seed: 5)
        for _ in 0..<10_000 { LatencyHistogram.record(Int64(random.nextExponential() * 3e6), in: &histogram) }
        LatencyHistogram.record(3_600_000_000_000, in: &histogram)
        let sparse = SparseHistogram(histogram)
        #expect(sparse.histogram == histogram)
        #expect(sparse.counts.map { $0[1] }.reduce(0, +) == 10_001 && sparse.counts.allSatisfy { $0[1] > 0 }, "only the buckets that counted")
        #expect(histogram.valuesAreEquivalent(histogram.max, LatencyHistogram.highest), "an hour-long wait reads as the ceiling, a minute")
        let decoded = try? JSONDecoder().decode(SparseHistogram.self, from: JSONEncoder().encode(sparse))
        #expect(decoded == sparse)
        // The documented form: {"counts": [[value in µs, count], …]}.
        let small = SparseHistogram(counts: [[120, 3], [4_500, 1]])
        #expect(try String(decoding: JSONEncoder().encode(small), as: UTF8.self) == #"{"counts":[[120,3],[4500,1]]}"#)
        var added = LatencyHistogram.make()
        small.add(to: &added)
        sparse.add(to: &added)
        var sum = sparse.histogram
        sum.add(small.histogram)
        #expect(added == sum, "adding the pairs is adding the histograms")
    }

    /// One window of `endpoint` with `latencies` (seconds) answered 200 and `errors` more answered 500.
    static func window(_ endpoint: Endpoint, latencies: [Double], errors: Int = 0) -> LoadResult.Window {
        var counts = LoadResult.EndpointCounts()
        var histogram = LatencyHistogram.make()
        for latency in latencies { LatencyHistogram.record(Int64(latency * 1e9), in: &histogram) }
        counts.corrected = SparseHistogram(histogram)
        counts.uncorrected = SparseHistogram(histogram)
        counts.scheduled = latencies.count + errors
        counts.sent = counts.scheduled
        counts.status = ["2xx": latencies.count, "5xx": errors].filter { $0.value > 0 }
        return LoadResult.Window(
            index: 0, profileStartSeconds: 0, wallStartSeconds: 0, targetRequests: Double(counts.scheduled), endpoints: [endpoint.rawValue: counts])
    }

    @Test func thresholdsAreJudgedOnTheMergedHistogramsAndTheCounts() throws {
        // 99 fast answers and one slow one: the p99 is fast and the p99.9 is the slow one.
        let windows = [Self.window(.product, latencies: Array(repeating: 0.010, count: 99) + [0.900], errors: 1)]
        let summary = LoadResult.summarise(windows, wallSeconds: 10)
        let all = try #require(summary.first { $0.endpoint == "all" })
        #expect(all.completed == 101 && all.errors == 1)
        let thresholds = try ["p99<50ms", "p99.9<50ms", "error_rate<2%", "error_rate<0.5%", "order:p99<1ms"].map { try Threshold(parsing: $0) }
        let outcomes = LoadResult.evaluate(thresholds, windows: windows, summary: summary)
        #expect(outcomes.map(\.passed) == [true, false, true, false, true], "\(outcomes)")
        #expect(abs(outcomes[2].observed - 1.0 / 101) < 1e-9)
    }
}
