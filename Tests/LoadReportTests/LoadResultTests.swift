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

/// The result file across versions, and what `merge` does with the fields `shop-load/2` added.
@Suite struct LoadResultSchemaTests {
    static func result(shard: Shard, codes: [String: Int], stopAt: Double?) -> LoadResult {
        var window = LoadResultTests.window(.order, latencies: Array(repeating: 0.01, count: codes.values.reduce(0, +)))
        window.endpoints["order"]?.codes = codes
        var result = LoadResult(
            profile: .init(
                name: "p", file: "p.yaml", description: "", durationSeconds: 60, baseRate: 1, peakRate: 1, arrivals: "uniform", seed: 3, users: 1,
                mix: ["order": 1], spikes: [], faults: [], thresholds: []),
            target: "http://127.0.0.1:8080", shards: [shard],
            clocks: .init(
                startedAt: "2026-12-04T00:00:00Z", wallSeconds: 60, speed: 1, windowSeconds: 60, profileStartSeconds: 0, profileEndSeconds: 60),
            interrupted: stopAt != nil, windows: [window], summary: [], thresholds: [])
        result.stop = stopAt.map { .init(reason: "slo", detail: "orders: its page condition holds", profileSeconds: $0, wallSeconds: $0) }
        return result
    }

    /// A `shop-load/1` file (no codes, no stop) reads as this version's, with neither; a third version does not read.
    @Test func aVersionOneFileReadsAndAnUnknownVersionIsRefused() throws {
        let encoded = try LoadResult.encoder.encode(Self.result(shard: .whole, codes: ["201": 2], stopAt: nil))
        var json = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        json["schema"] = "shop-load/1"
        var windows = try #require(json["windows"] as? [[String: Any]])
        var endpoints = try #require(windows[0]["endpoints"] as? [String: [String: Any]])
        endpoints["order"]?["codes"] = nil
        windows[0]["endpoints"] = endpoints
        json["windows"] = windows
        json["stop"] = nil
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("v1-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        let read = try ResultFile.read(path)
        #expect(read.schema == "shop-load/2" && read.stop == nil && read.windows[0].endpoints["order"]?.codes == [:])
        #expect(read.windows[0].endpoints["order"]?.status == ["2xx": 2])
        json["schema"] = "shop-load/3"
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        #expect(throws: ResultFile.Failure.self) { try ResultFile.read(path) }
    }

    /// Codes add up code by code; the merged result keeps the earliest stop, naming the shard that stopped.
    @Test func mergeAddsCodesAndKeepsTheEarliestStopWithItsShard() throws {
        let merged = try LoadResult.merge([
            Self.result(shard: Shard(index: 0, count: 3), codes: ["201": 5, "409": 1], stopAt: 900),
            Self.result(shard: Shard(index: 1, count: 3), codes: ["201": 4, "500": 2], stopAt: 600),
            Self.result(shard: Shard(index: 2, count: 3), codes: ["201": 6], stopAt: nil),
        ])
        #expect(merged.windows[0].endpoints["order"]?.codes == ["201": 15, "409": 1, "500": 2])
        #expect(merged.summary.first { $0.endpoint == "all" }?.codes == ["201": 15, "409": 1, "500": 2])
        #expect(merged.stop?.profileSeconds == 600 && merged.stop?.shard == Shard(index: 1, count: 3))
        #expect(!merged.passed, "a stopped run does not pass")
        #expect(SummaryTable(merged).render().contains("STOPPED at 10m of profile time (600.0 s wall) in shard 1/3, --abort-on: orders"))
    }

    /// The slowest requests lead to their traces: a mark on the latency chart and a row of the table, linked
    /// through `--trace-url`.
    @Test func theReportLinksTheSlowestRequestsToTheirTraces() throws {
        var result = Self.result(shard: .whole, codes: ["201": 3], stopAt: nil)
        let slow = LoadResult.SlowRequest(microseconds: 412_000, traceId: "4bf92f3577b34da6a3ce929d0e0e4736", sampled: true, code: 500)
        result.windows[0].endpoints["order"]?.slowest = [slow]
        result.summary = LoadResult.summarise(result.windows, wallSeconds: 60)
        let plain = HTMLReport(result).render()
        #expect(
            plain.contains("<h2>Slowest requests and their traces</h2>") && plain.contains("<code>4bf92f3577b34da6a3ce929d0e0e4736</code> sampled"))
        #expect(plain.contains("<title>slowest: order 412.0ms 500, trace 4bf92f3577b34da6a3ce929d0e0e4736 (sampled)</title>"))
        result.traceURL = "http://jaeger:16686/trace/{trace_id}"
        let linked = HTMLReport(result).render()
        #expect(linked.components(separatedBy: #"<a href="http://jaeger:16686/trace/4bf92f3577b34da6a3ce929d0e0e4736">"#).count - 1 == 2)
    }
}
