import LoadProfile
import ShopDomain
import ShopSupport
import Testing

@Suite("Profile files")
struct ProfileFileTests {
    static let flashSale = """
        name: flash-sale
        description: a normal day with a 5× sale at noon
        duration: 24h
        rate:
          base: 50
          shape: daily
          spikes:
            - {name: sale, start: 12h, duration: 2h, multiplier: 5, ramp: 5m, hot_skus: 10, hot_share: 0.9}
        mix: {product: 60, stock: 30, order: 10}
        users: 300
        speed: 144
        faults:
          - {at: 12h30m, set: {gateway_failure_ratio: 0.5}}
          - {at: 13h, set: {}}
        thresholds: ["p99<300ms", "order:p99.9<=1s", "error_rate<0.1%"]
        """

    @Test func aCompleteProfileReadsAsWritten() throws {
        let profile = try Profile(yaml: Self.flashSale, file: "flash-sale.yaml")
        #expect(profile.duration == 86_400 && profile.speed == 144 && profile.users == 300)
        let noon = 13 * Shape.hour
        #expect(abs(profile.rate(at: noon) - 5 * 50 * Shape.daily.period.value(at: noon)) < 1e-9, "5× the day's rate at 13:00")
        #expect(profile.rate(at: 16 * Shape.hour) == 50 * Shape.daily.period.value(at: 16 * Shape.hour), "the day's rate after the sale")
        #expect(profile.hotSet(at: noon)?.skus == 10 && profile.hotSet(at: 16 * Shape.hour) == nil)
        #expect(abs(profile.mix.share(of: .order) - 0.1) < 1e-12 && profile.mix.share(of: .cancel) == 0)
        #expect(profile.faults.map(\.at) == [12.5 * Shape.hour, 13 * Shape.hour])
        #expect(profile.faults[0].faults.gatewayFailureRatio == 0.5 && profile.faults[1].faults.gatewayFailureRatio == 0)
        #expect(profile.thresholds.map(\.limit) == [0.3, 1, 0.001])
        #expect(profile.thresholds[1].endpoint == .order && profile.thresholds[1].inclusive)
    }

    @Test(arguments: [
        ("name: x\nrate: {base: 1}", "duration: is required"),
        ("name: x\nduration: 1 day\nrate: {base: 1}", "duration: \"1 day\" is not a duration"),
        ("name: x\nduration: 1h", "rate: is required"),
        ("name: x\nduration: 1h\nrate: {base: -3}", "rate.base: must be a positive number"),
        ("name: x\nduration: 1h\nrate: {base: lots}", "rate.base: expected a number"),
        ("name: x\nduration: 1h\nrate: {base: 1, shape: monthly}", "rate.shape: \"monthly\" is not a shape"),
        ("name: x\nduration: 1h\nrate: {base: 1, points: [[10m, 1], [5m, 2]]}", "rate.points[1]: times must not go back"),
        ("name: x\nduration: 1h\nrate: {base: 1, spikes: [{start: 50m, duration: 20m, multiplier: 2}]}", "rate.spikes[0]: must lie inside"),
        ("name: x\nduration: 1h\nrate: {base: 1}\nmix: {checkout: 3}", "mix.checkout: is not an endpoint"),
        ("name: x\nduration: 1h\nrate: {base: 1}\nfaults: [{at: 2h}]", "faults[0].at: is after the profile's end"),
        ("name: x\nduration: 1h\nrate: {base: 1}\nfaults: [{at: 1m, set: {gateway_failure_ratio: 2}}]", "faults[0].set:"),
        ("name: x\nduration: 1h\nrate: {base: 1}\nthresholds: [\"p99<fast\"]", "thresholds[0]: a latency needs a unit"),
        ("name: x\nduration: 1h\nrate: {base: 1}\nthresholds: [\"checkout:p99<1s\"]", "thresholds[0]: unknown endpoint"),
        ("name: [unclosed", "bad.yaml: "),
    ])
    func aBadProfileIsOneLineNamingFileAndField(yaml: String, expected: String) {
        do {
            _ = try Profile(yaml: yaml, file: "bad.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description.hasPrefix("bad.yaml: "))
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func thresholdsParse() throws {
        let p99 = try Threshold(parsing: "p99 < 300ms")
        #expect(p99.metric == .percentile(99) && p99.limit == 0.3 && p99.endpoint == nil && !p99.inclusive)
        #expect(p99.holds(for: 0.299) && !p99.holds(for: 0.3))
        #expect(try Threshold(parsing: "late_rate<=1%").holds(for: 0.01))
        #expect(try Threshold(parsing: "dropped_rate<0.002").limit == 0.002)
        #expect(throws: ThresholdError.self) { try Threshold(parsing: "p99>1s") }
        #expect(throws: ThresholdError.self) { try Threshold(parsing: "error_rate<5") }
    }

    @Test func durationsReadAndWrite() {
        #expect(DurationText.seconds("250ms") == 0.25 && DurationText.seconds("90m") == 5_400 && DurationText.seconds("2d") == 172_800)
        #expect(DurationText.seconds("1y") == Shape.year && DurationText.seconds("42") == 42)
        #expect(DurationText.seconds("-1s") == nil && DurationText.seconds("soon") == nil)
        #expect(DurationText.text(5_400) == "1h30m" && DurationText.text(0.25) == "250ms")
    }

    @Test func theMixDrawsByWeight() {
        var generator = SplitMix64(seed: 3)
        var counts: [Endpoint: Int] = [:]
        for _ in 0..<100_000 { counts[EndpointMix.shop.pick(generator.nextUnit()), default: 0] += 1 }
        for (endpoint, weight) in EndpointMix.shop.weights {
            #expect(abs(Double(counts[endpoint] ?? 0) / 100_000 - weight / 100) < 0.01, "\(endpoint)")
        }
    }
}
