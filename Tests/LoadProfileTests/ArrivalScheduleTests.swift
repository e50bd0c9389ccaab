import LoadProfile
import Testing

@Suite("Arrival schedules")
struct ArrivalScheduleTests {
    static func profile(_ arrivals: Profile.Arrivals, shape: String = "daily", duration: String = "24h", base: Double = 100) throws -> Profile {
        try Profile(
            yaml: """
                name: test
                duration: \(duration)
                rate: {base: \(base), shape: \(shape)}
                arrivals: \(arrivals.rawValue)
                """, file: "test.yaml")
    }

    static func all(_ schedule: ArrivalSchedule) -> [ArrivalSchedule.Arrival] {
        var schedule = schedule
        var arrivals: [ArrivalSchedule.Arrival] = []
        while let arrival = schedule.nextArrival() { arrivals.append(arrival) }
        return arrivals
    }

    @Test func evenArrivalsSendExactlyTheRatesIntegral() throws {
        let profile = try Self.profile(.uniform)
        // A day at 100/s on average, compressed 1440× (a day in a minute): 6,000 requests.
        #expect(abs(profile.expectedRequests(from: 0, to: Shape.day, speed: 1_440) - 6_000) < 1e-6)
        let arrivals = Self.all(ArrivalSchedule(profile: profile, speed: 1_440, seed: 1))
        #expect(arrivals.count == 6_000)
        #expect(arrivals.last!.wallTime <= 60)
        // Each window gets its share of the curve: the 09:00 hour far more than the 03:00 one.
        let nine = arrivals.filter { (9 * Shape.hour..<10 * Shape.hour).contains($0.profileTime) }.count
        let expectedNine = profile.expectedRequests(from: 9 * Shape.hour, to: 10 * Shape.hour, speed: 1_440)
        #expect(abs(Double(nine) - expectedNine) <= 1)
    }

    /// Even arrivals also spread the mix: in every run of 100 consecutive arrivals each endpoint of the
    /// default mix gets its share, give or take two; Poisson arrivals draw it, so their runs vary more.
    @Test func evenArrivalsSpreadTheMixEvenly() throws {
        let mix = EndpointMix.shop
        func worstDeviation(_ arrivals: [ArrivalSchedule.Arrival], pick: (ArrivalSchedule.Arrival) -> Endpoint) -> Double {
            var worst = 0.0
            for start in stride(from: 0, to: arrivals.count - 100, by: 37) {
                var counts: [Endpoint: Int] = [:]
                for arrival in arrivals[start..<start + 100] { counts[pick(arrival), default: 0] += 1 }
                for endpoint in Endpoint.allCases {
                    worst = max(worst, abs(Double(counts[endpoint] ?? 0) - 100 * mix.share(of: endpoint)))
                }
            }
            return worst
        }
        let even = Self.all(ArrivalSchedule(profile: try Self.profile(.uniform), speed: 1_440, seed: 7))
        #expect(even.allSatisfy { $0.evenMixPoint != nil })
        #expect(worstDeviation(even) { mix.pick($0.evenMixPoint!) } <= 2)

        let drawn = Self.all(ArrivalSchedule(profile: try Self.profile(.poisson), speed: 1_440, seed: 7))
        #expect(drawn.allSatisfy { $0.evenMixPoint == nil })
        var random = SplitMix64(seed: 7)
        #expect(worstDeviation(drawn) { _ in mix.pick(random.nextUnit()) } > 5)
    }

    @Test func poissonArrivalsAverageTheRatesIntegral() throws {
        let profile = try Self.profile(.poisson)
        let counts = (1...5).map { seed in Self.all(ArrivalSchedule(profile: profile, speed: 1_440, seed: UInt64(seed))).count }
        // 6,000 expected, standard deviation √6000 ≈ 77: every run within 4σ, and runs differ.
        #expect(counts.allSatisfy { abs($0 - 6_000) < 310 }, "\(counts)")
        #expect(Set(counts).count > 1)
    }

    @Test func compressionChangesTheClockNotTheRate() throws {
        let profile = try Self.profile(.uniform, shape: "constant", duration: "1h", base: 20)
        let fast = Self.all(ArrivalSchedule(profile: profile, speed: 60, seed: 1))
        let slow = Self.all(ArrivalSchedule(profile: profile, speed: 30, seed: 1))
        // An hour at 20/s: in a minute, 1,200 requests; in two minutes, 2,400; both at 20 per wall second.
        #expect(fast.count == 1_200 && slow.count == 2_400)
        #expect(abs(fast.last!.wallTime - 60) < 0.1 && abs(slow.last!.wallTime - 120) < 0.1)
        #expect(fast.allSatisfy { abs($0.profileTime - $0.wallTime * 60) < 1e-6 })
    }

    @Test func shardsTogetherAreTheWholeSchedule() throws {
        let profile = try Self.profile(.poisson, duration: "6h")
        let whole = Self.all(ArrivalSchedule(profile: profile, speed: 360, seed: 7))
        let shards = (0..<3).map { Self.all(ArrivalSchedule(profile: profile, speed: 360, seed: 7, shard: Shard(index: $0, count: 3))) }
        #expect(shards.map(\.count).reduce(0, +) == whole.count)
        #expect(shards.flatMap { $0 }.sorted { $0.index < $1.index } == whole)
        #expect(Shard(parsing: "2/3") == Shard(index: 2, count: 3) && Shard(parsing: "3/3") == nil && Shard(parsing: "x") == nil)
    }
}
