import ShopDomain
import ShopSupport
import Testing

@Suite("Retry and circuit breaker")
struct ResilienceTests {
    let t0 = Timestamp(millisecondsSinceEpoch: 1_000_000)

    @Test func theSourceDesignRetriesAfterFiveTwentyFiveAndOneHundredTwentyFiveSeconds() {
        let policy = RetryPolicy.sourceDesign
        #expect((1...3).map { policy.delayMilliseconds(afterFailedAttempts: $0, jitter: 1) } == [5_000, 25_000, 125_000])
        #expect((1...3).map { policy.delayMilliseconds(afterFailedAttempts: $0, jitter: 0) } == [2_500, 12_500, 62_500])
        #expect(policy.delayMilliseconds(afterFailedAttempts: 4, jitter: 0.5) == nil)
        #expect(policy.delayMilliseconds(afterFailedAttempts: 0, jitter: 0.5) == nil)
    }

    @Test func jitterStaysInTheUpperHalfAndDelaysAreCapped() {
        let policy = RetryPolicy(maxAttempts: 30, initialDelayMilliseconds: 1000, multiplier: 10, maxDelayMilliseconds: 60_000)
        for jitter in stride(from: 0.0, through: 1.0, by: 0.1) {
            let delay = policy.delayMilliseconds(afterFailedAttempts: 2, jitter: jitter)!
            #expect((5_000...10_000).contains(delay))
        }
        #expect(policy.delayMilliseconds(afterFailedAttempts: 29, jitter: 1) == 60_000)
    }

    @Test func theBreakerOpensAfterConsecutiveFailuresAndLetsOneTrialThroughLater() {
        var breaker = CircuitBreaker(failureThreshold: 3, openDurationMilliseconds: 10_000)
        for _ in 0..<2 {
            #expect(allows(&breaker, t0))
            breaker.recordFailure(at: t0)
        }
        #expect(breaker.state == .closed)
        breaker.recordSuccess()
        for _ in 0..<3 { breaker.recordFailure(at: t0) }
        #expect(breaker.state == .open)
        #expect(!allows(&breaker, t0.adding(milliseconds: 9_999)))
        #expect(allows(&breaker, t0.adding(milliseconds: 10_000)))
        #expect(breaker.state == .halfOpen)
        #expect(!allows(&breaker, t0.adding(milliseconds: 10_001)))
        breaker.recordFailure(at: t0.adding(milliseconds: 10_002))
        #expect(breaker.state == .open)
        #expect(!allows(&breaker, t0.adding(milliseconds: 20_001)))
        #expect(allows(&breaker, t0.adding(milliseconds: 20_002)))
        breaker.recordSuccess()
        #expect(breaker.state == .closed)
        #expect(allows(&breaker, t0.adding(milliseconds: 20_003)))
    }

    /// Asks the breaker outside the #expect macro, which cannot capture a mutating call.
    func allows(_ breaker: inout CircuitBreaker, _ now: Timestamp) -> Bool {
        breaker.allowsCall(at: now)
    }
}
