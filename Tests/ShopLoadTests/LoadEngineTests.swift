import Foundation
import Glibc
import Histogram
import Hummingbird
import HummingbirdTesting
import LoadProfile
import LoadReport
import NIOCore
import ShopTestSupport
import Synchronization
import Testing

@testable import ShopLoad

@Suite("Load engine")
struct LoadEngineTests {
    static func profile(_ yaml: String) throws -> Profile { try Profile(yaml: yaml, file: "test.yaml") }

    /// Product reads only, arriving evenly at `rate` per second for `duration` (such as "4s"), in 1 s windows.
    static func productReads(_ name: String, for duration: String, at rate: Double) throws -> Profile {
        try profile("name: \(name)\nduration: \(duration)\nrate: {base: \(rate)}\narrivals: uniform\nmix: {product: 1}\nwindow: 1s\n")
    }

    static func configuration(_ profile: Profile, port: Int, seed: UInt64 = 11) -> LoadRunConfiguration {
        LoadRunConfiguration(
            target: URL(string: "http://127.0.0.1:\(port)")!, profile: profile, profileFile: "test.yaml", speed: 1, end: profile.duration, seed: seed,
            customerTokens: ["token"], adminToken: nil)
    }

    /// The summary over every endpoint.
    static func all(_ result: LoadResult) throws -> LoadResult.EndpointSummary {
        try #require(result.summary.first { $0.endpoint == "all" })
    }

    /// The server stops answering for 1 s every 10 s. Requests due meanwhile wait for the one connection:
    /// from their intended start they took up to a second, from their actual send almost nothing. Only the
    /// corrected p99 shows the stall.
    @Test func aStallShowsInTheCorrectedP99AndNotInTheUncorrected() async throws {
        let profile = try Self.productReads("stall", for: "20s", at: 100)
        try await StubShop(period: .seconds(10), stall: .seconds(1)).application().test(.live) { client in
            var configuration = Self.configuration(profile, port: try #require(client.port))
            configuration.limits.connections = 1
            let result = try await LoadRun(configuration).run { _ in }
            let all = try Self.all(result)
            #expect(all.completed == 2_000 && all.errors == 0)
            #expect(all.corrected.p99 > 0.5, "corrected p99 \(all.corrected.p99) s")
            #expect(all.uncorrected.p99 < 0.25, "uncorrected p99 \(all.uncorrected.p99) s")
            #expect(all.late > 100, "the requests due during the stall started late: \(all.late)")
            // Each window keeps its three slowest requests with their traces: the slowest is the histogram's maximum.
            for window in result.windows {
                let counts = try #require(window.endpoints["product"])
                #expect(counts.slowest.count == min(3, counts.completed) && Set(counts.slowest.map(\.traceId)).count == counts.slowest.count)
                #expect(counts.slowest.map(\.microseconds) == counts.slowest.map(\.microseconds).sorted(by: >))
                #expect(counts.corrected.histogram.valuesAreEquivalent(counts.corrected.histogram.max, counts.slowest[0].microseconds))
                #expect(counts.slowest.allSatisfy { [200, 404].contains($0.code) && $0.traceId.count == 32 })
            }
        }
    }

    /// Two requests, at 0.5 s and 1 s, answered at once. The last answer may wait two seconds to be read
    /// (nothing else is due; the first answer showed the kernel stamps reads): the run lasts until it is read,
    /// yet its latency is the moment the answer arrived, by the kernel's stamp. Read as it comes (interval
    /// zero), the run ends with the answer. The hold is long so that a stub slowed by the suites beside it
    /// (0.3 s once) cannot blur the two.
    @Test func anAnswerReadLateCountsFromWhenItArrived() async throws {
        let profile = try Self.productReads("two", for: "1s", at: 2)
        try await StubShop(period: .seconds(1_000), stall: .zero).application().test(.live) { client in
            var configuration = Self.configuration(profile, port: try #require(client.port))
            for hold in [TimeAmount.seconds(2), .zero] {
                configuration.limits.collectInterval = hold
                let result = try await LoadRun(configuration).run { _ in }
                let all = try Self.all(result)
                #expect(all.completed == 2 && all.errors == 0)
                #expect(all.corrected.max < 1 && all.uncorrected.max < 1, "latency \(all.corrected.max) s with answers held \(hold)")
                if hold > .zero {
                    #expect(result.clocks.wallSeconds >= 2.95, "the answer was read after \(result.clocks.wallSeconds) s")
                } else {
                    #expect(result.clocks.wallSeconds < 2.5, "the answer was read after \(result.clocks.wallSeconds) s")
                }
            }
        }
    }

    /// Two generators, each with half the schedule, together send what one would: the same arrivals per window,
    /// and merged histograms that count every request once.
    @Test func shardsMergeIntoTheWholeRun() async throws {
        let profile = try Self.profile(
            """
            name: shards
            duration: 4s
            rate: {base: 150}
            mix: {product: 3, catalog: 1}
            window: 1s
            """)
        try await StubShop(period: .seconds(1_000), stall: .zero).application().test(.live) { client in
            let port = try #require(client.port)
            let whole = try await LoadRun(Self.configuration(profile, port: port)).run { _ in }
            var shards: [LoadResult] = []
            for index in 0..<2 {
                var configuration = Self.configuration(profile, port: port)
                configuration.shard = Shard(index: index, count: 2)
                shards.append(try await LoadRun(configuration).run { _ in })
            }
            let merged = try LoadResult.merge(shards)
            #expect(merged.shards == [Shard(index: 0, count: 2), Shard(index: 1, count: 2)])
            let scheduled = { (result: LoadResult) in result.windows.map { window in window.endpoints.mapValues(\.scheduled) } }
            #expect(scheduled(merged) == scheduled(whole), "the same arrivals per window and endpoint")
            for (window, mergedWindow) in zip(whole.windows, merged.windows) {
                #expect(abs(window.targetRequests - mergedWindow.targetRequests) < 1e-9)
                for (endpoint, counts) in mergedWindow.endpoints {
                    let parts = shards.compactMap { $0.windows.first { $0.index == window.index }?.endpoints[endpoint] }
                    var sum = LatencyHistogram.make()
                    for part in parts { sum.add(part.corrected.histogram) }
                    #expect(counts.corrected.histogram == sum, "merged bucket by bucket")
                    #expect(counts.corrected.histogram.totalCount == UInt64(counts.completed))
                }
            }
            #expect(merged.summary.first { $0.endpoint == "all" }?.completed == whole.summary.first { $0.endpoint == "all" }?.completed)
            // Status codes per window add up across shards; the stub's SKU-5 answers 404.
            let codes = { (result: LoadResult) in result.windows.map { $0.endpoints.mapValues(\.codes) } }
            #expect(codes(merged).map { $0.mapValues { $0.values.reduce(0, +) } } == scheduled(merged), "every request answered, by code")
            #expect(merged.summary.first { $0.endpoint == "product" }?.codes.keys.sorted() == ["200", "404"])
            // The merged slowest are the slowest of the shards' together.
            for window in merged.windows {
                for (endpoint, counts) in window.endpoints {
                    let parts = shards.compactMap { $0.windows.first { $0.index == window.index }?.endpoints[endpoint] }
                    #expect(counts.slowest == LoadResult.SlowRequest.slowest(parts.flatMap(\.slowest)))
                }
            }
            #expect(throws: LoadResult.MergeError.self) { try LoadResult.merge([shards[0], shards[0]]) }
        }
    }

    /// The catalogue comes in pages: every SKU of both is read, so every one is asked for during the run.
    @Test func theCatalogueIsReadPageByPage() async throws {
        let profile = try Self.profile(
            """
            name: pages
            duration: 2s
            rate: {base: 100}
            mix: {product: 1}
            window: 1s
            """)
        let shop = StubShop(period: .seconds(1_000), stall: .zero)
        try await shop.application().test(.live) { client in
            _ = try await LoadRun(Self.configuration(profile, port: try #require(client.port))).run { _ in }
        }
        #expect(shop.read.withLock { $0 } == ["SKU-1", "SKU-2", "SKU-3", "SKU-4", "SKU-5"])
    }

    /// A name with several addresses (`localhost`: often ::1, then 127.0.0.1) where the first refuses: the
    /// catalogue is read from the next, and the run uses the address that answered.
    @Test func aRefusingAddressGivesWayToTheNext() async throws {
        let profile = try Self.profile("name: next\nduration: 1s\nrate: {base: 1}\nmix: {product: 1}\n")
        try await StubShop(period: .seconds(1_000), stall: .zero).application().test(.live) { client in
            let port = try #require(client.port)
            let refusing = try TargetAddress.resolve(host: "127.0.0.1", port: 9)
            let answering = try TargetAddress.resolve(host: "127.0.0.1", port: port)
            let (address, skus) = try await CatalogueRead.skus(of: Self.configuration(profile, port: port), at: refusing + answering)
            #expect(skus == ["SKU-1", "SKU-2", "SKU-3", "SKU-4", "SKU-5"])
            #expect(address == answering[0])
        }
    }

    /// A server closes keep-alive connections left idle (here after 400 ms, with 1 s between requests): the
    /// generator notices each close, leaves that connection and opens another, so no request meets a closed one.
    /// The stub's idle timer also runs while it answers: at 100 ms, a full suite beside it once kept the stub
    /// from answering for that long twice in a row (its close is then the stub's, not the generator's fault).
    @Test func connectionsTheServerClosesWhileIdleAreReplaced() async throws {
        let profile = try Self.productReads("idle", for: "8s", at: 1)
        try await StubShop(period: .seconds(1_000), stall: .zero, idleTimeout: .milliseconds(400)).application().test(.live) { client in
            var configuration = Self.configuration(profile, port: try #require(client.port))
            configuration.limits.connections = 1
            let result = try await LoadRun(configuration).run { _ in }
            let all = try Self.all(result)
            #expect(all.completed == 8 && all.errors == 0, "\(all.completed) answered, \(all.errors) errors")
        }
    }

    /// The keep-alive race made certain: a server that answers a connection's first request, then reads its
    /// second and closes without a word, as one closing the connection as idle just as the request
    /// arrived. The GET goes once more on a new connection and is answered; no error is counted.
    @Test func aGetTheServerClosedUnreadIsSentAgainOnANewConnection() async throws {
        let server = try ClosingServer()
        defer { server.stop() }
        var configuration = Self.configuration(try Self.productReads("race", for: "1s", at: 2), port: server.port)
        configuration.limits.connections = 1
        let result = try await LoadRun(configuration).run { _ in }
        let all = try Self.all(result)
        #expect(server.raced, "no connection carried a second request")
        #expect(all.completed == 2 && all.errors == 0, "\(all.completed) answered, \(all.errors) errors")
    }

    /// Nothing listens at the target once the run has started: every request is an error, and the run ends.
    @Test func aTargetThatRefusesConnectionsGivesErrorsNotAHang() async throws {
        let profile = try Self.productReads("refused", for: "2s", at: 50)
        let run = try await StubShop(period: .seconds(1_000), stall: .zero).application().test(.live) { client in
            let run = LoadRun(Self.configuration(profile, port: try #require(client.port)))
            try await run.prepare()
            return run
        }
        let result = try await run.run { _ in }
        let all = try Self.all(result)
        #expect(all.completed == 100 && all.errors == 100, "\(all.completed) answered, \(all.errors) errors")
    }

    /// `--abort-on-fail` on a server that stalls a second in every two: the p99 threshold is judged from the
    /// third second on, fails, and the run stops there instead of running its twenty.
    @Test func aFailedThresholdStopsTheRunAfterTheDelay() async throws {
        let profile = try Self.profile(
            "name: abort\nduration: 20s\nrate: {base: 50}\narrivals: uniform\nmix: {product: 1}\nwindow: 1s\nthresholds: [\"p99<100ms\"]\n")
        try await StubShop(period: .seconds(2), stall: .seconds(1)).application().test(.live) { client in
            var configuration = Self.configuration(profile, port: try #require(client.port))
            configuration.checks = [ThresholdCheck(delay: 3)]
            let result = try await LoadRun(configuration).run { _ in }
            let stop = try #require(result.stop)
            #expect(stop.reason == "threshold" && stop.detail.hasPrefix("p99<100ms failed"), "\(stop.detail)")
            #expect((3...10).contains(stop.profileSeconds), "judged from 3 s on, stopped at \(stop.profileSeconds) s")
            #expect(result.interrupted && result.clocks.wallSeconds < 15, "\(result.clocks.wallSeconds) s")
            let all = try Self.all(result)
            #expect(all.dropped + all.completed == all.scheduled, "every arrival accounted for")
        }
    }

    /// Each shard serves its own live metrics and checks its own counts: both halves of a run against a
    /// stalling server stop on the p99 threshold, each exposition counts that shard's answers under its
    /// `shard` label, and the merged result keeps the earlier stop, naming its shard.
    @Test func eachShardServesItsMetricsAndStopsOnItsOwnCounts() async throws {
        let profile = try Self.profile(
            "name: shard-abort\nduration: 20s\nrate: {base: 50}\narrivals: uniform\nmix: {product: 1}\nwindow: 1s\nthresholds: [\"p99<100ms\"]\n")
        try await StubShop(period: .seconds(2), stall: .seconds(1)).application().test(.live) { client in
            var results: [LoadResult] = []
            for index in 0..<2 {
                var configuration = Self.configuration(profile, port: try #require(client.port))
                configuration.shard = Shard(index: index, count: 2)
                configuration.checks = [ThresholdCheck(delay: 3)]
                // Port 0: a port picked beforehand was once taken by another suite's client before the run bound it.
                configuration.metricsAddress = ("127.0.0.1", 0)
                let run = LoadRun(configuration)
                let result = try await run.run { _ in }
                let stop = try #require(result.stop, "shard \(index)")
                #expect(stop.reason == "threshold" && result.shards == [Shard(index: index, count: 2)])
                let exposition = String(decoding: try #require(run.metrics).render(), as: UTF8.self)
                #expect(exposition.contains(#"shard="\#(index)/2""#), "\(exposition)")
                let answered = exposition.split(separator: "\n").filter { $0.hasPrefix("shop_load_requests_total{") }
                    .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
                #expect(answered == Double(try Self.all(result).completed), "shard \(index): the exposition counts its own answers")
                results.append(result)
            }
            let merged = try LoadResult.merge(results)
            let first = try #require(results.compactMap(\.stop).min { $0.profileSeconds < $1.profileSeconds })
            #expect(merged.stop?.profileSeconds == first.profileSeconds && merged.stop?.shard != nil)
        }
    }

    @Test func arrivalsBeyondTheInFlightCapAreDroppedAndCounted() async throws {
        let profile = try Self.productReads("cap", for: "3s", at: 100)
        // Stalled the whole time: nothing comes back, so only the first few are admitted.
        try await StubShop(period: .seconds(10), stall: .seconds(10)).application().test(.live) { client in
            var configuration = Self.configuration(profile, port: try #require(client.port))
            configuration.limits.connections = 2
            configuration.limits.maxInFlight = 5
            let run = LoadRun(configuration)
            Task {
                // The 3 s schedule plus start-up, which a full parallel suite slowed by over a second (288 of
                // 300 scheduled at 4 s); still well before the 10 s stall lets any answer through.
                try await Task.sleep(for: .seconds(6))
                run.stop()
            }
            let result = try await run.run { _ in }
            let all = try Self.all(result)
            #expect(all.scheduled == 300)
            #expect(all.dropped >= 290, "\(all.dropped) dropped")
            #expect(all.dropped + all.completed == all.scheduled, "every arrival accounted for")
            #expect(result.interrupted)
        }
    }
}
