import ShopSupport
import ShopTestSupport
import Testing

@Suite("Expiring cache")
struct ExpiringCacheTests {
    @Test func entriesExpireAfterTheirTimeToLive() {
        let clock = ManualClock()
        let cache = ExpiringCache<String, Int>(timeToLiveMilliseconds: 1_000, capacity: 10, clock: clock)
        cache.store(1, for: "a")
        clock.advance(milliseconds: 999)
        #expect(cache["a"] == 1)
        clock.advance(milliseconds: 1)
        #expect(cache["a"] == nil)
        #expect(cache.count == 0)
    }

    @Test func anEntryNeverOutlivesItsOwnExpiry() {
        let clock = ManualClock()
        let cache = ExpiringCache<String, Int>(timeToLiveMilliseconds: 60_000, capacity: 10, clock: clock)
        cache.store(1, for: "token", expiresAt: clock.now().adding(milliseconds: 500))
        cache.store(2, for: "later", expiresAt: clock.now().adding(milliseconds: 120_000))
        clock.advance(milliseconds: 499)
        #expect(cache["token"] == 1)
        clock.advance(milliseconds: 1)
        #expect(cache["token"] == nil)
        clock.advance(milliseconds: 59_500)
        #expect(cache["later"] == nil)
    }

    @Test func aFullCacheDropsExpiredEntriesThenHalf() {
        let clock = ManualClock()
        let cache = ExpiringCache<Int, Int>(timeToLiveMilliseconds: 1_000, capacity: 4, clock: clock)
        for key in 0..<4 { cache.store(key, for: key) }
        clock.advance(milliseconds: 1_000)
        cache.store(4, for: 4)
        #expect(cache.count == 1 && cache[4] == 4)
        for key in 5..<8 { cache.store(key, for: key) }
        cache.store(8, for: 8)
        #expect(cache.count == 3 && cache[8] == 8)
        cache.remove(8)
        #expect(cache[8] == nil)
    }
}
