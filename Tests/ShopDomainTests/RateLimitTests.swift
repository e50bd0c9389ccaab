import ShopDomain
import Testing

@Suite("Rate limit (GCRA)")
struct RateLimitTests {
    static let perMinute = RateLimit(parsing: "1000/min")!

    /// Runs requests at `times` (microseconds) through one key; the decisions in order.
    static func run(_ limit: RateLimit, at times: [Int64]) -> [RateLimitDecision] {
        var arrival: Int64?
        return times.map { now in
            let (decision, next) = limit.decide(storedArrival: arrival, now: now)
            if let next { arrival = next }
            return decision
        }
    }

    @Test func aRestedKeyAllowsTheWholeLimitAtOnceThenOnePerInterval() {
        let decisions = Self.run(Self.perMinute, at: Array(repeating: 0, count: 1001))
        let firstThousandAllowed = decisions.prefix(1000).allSatisfy { $0.isAllowed }
        #expect(firstThousandAllowed)
        #expect(decisions[0] == .allowed(limit: Self.perMinute, remaining: 999, resetMicroseconds: 60_000))
        #expect(decisions[999] == .allowed(limit: Self.perMinute, remaining: 0, resetMicroseconds: 60_000_000))
        // The 1,001st waits one interval (60 ms) for the first unit to come back.
        #expect(decisions[1000] == .limited(limit: Self.perMinute, retryAfterMicroseconds: 60_000, resetMicroseconds: 60_000_000))
    }

    @Test func atTwiceTheRateTheBurstIsTheLimitAndThenTheRateIsTheLimit() {
        let limit = RateLimit(parsing: "100/s")!
        // 200 requests a second for 10 seconds, every 5 ms.
        let times = (0..<2000).map { Int64($0) * 5_000 }
        let decisions = Self.run(limit, at: times)
        let allowed = zip(times, decisions).filter { $0.1.isAllowed }.map(\.0)
        func count(from start: Int64) -> Int { allowed.filter { $0 >= start && $0 < start + 1_000_000 }.count }
        // The first second: the burst of 100, plus what came back during it.
        #expect(count(from: 0) < 200)
        // Once the burst is spent, every window holds the limit, give or take the request on its edge.
        for start in stride(from: Int64(1_000_000), to: 9_000_000, by: 50_000) {
            #expect((99...101).contains(count(from: start)), "window at \(start) µs")
        }
        // And the long-run rate is the limit: about 100 a second after the first burst.
        #expect((1000...1100).contains(allowed.count))
    }

    @Test func refusalsDoNotUseUpTheLimit() {
        let limit = RateLimit(parsing: "2/s")!
        let decisions = Self.run(limit, at: [0, 0, 0, 0, 0, 500_000])
        #expect(decisions.map(\.isAllowed) == [true, true, false, false, false, true])
    }

    @Test func ratesAreParsedAndNonsenseIsRefused() {
        #expect(RateLimit(parsing: "1000/min") == RateLimit(limit: 1000, windowMicroseconds: 60_000_000))
        #expect(RateLimit(parsing: "20/s")?.windowMicroseconds == 1_000_000)
        #expect(RateLimit(parsing: "5000/h")?.description == "5000/h")
        for bad in ["0/min", "-1/s", "10/day", "abc", "10", "/min", "1000/min/s", ""] {
            #expect(RateLimit(parsing: bad) == nil, "\(bad)")
        }
    }
}
