import ShopDomain
import ShopMetrics
import ShopRedis
import ShopStore
import ShopSupport
import Synchronization

/// Cache-aside storage: Redis, shared by every instance, while it answers; an in-process cache while it
/// does not (slower for the fleet, still correct: nothing cached is an authority). Never throws: a cache
/// that fails is a cache miss.
///
/// Keys dropped while Redis was away are remembered and dropped in Redis before it is used again, so an
/// outage cannot resurrect a stale stock figure. What the in-process cache held in one outage is not
/// trusted in the next.
package final class FallbackCache: Sendable {
    private let redis: RedisClient?
    private let health: DependencyHealth?
    private let local: ExpiringCache<String, String>
    private let metrics: ShopMetrics
    private let clock: any ShopClock
    private let state = Mutex(State())
    /// Past this many remembered keys, a recovery drops every stock key instead.
    static let pendingLimit = 10_000

    private struct State {
        var localOutage = 0
        var pending: Set<String> = []
        var pendingOverflowed = false
    }

    /// Without `redis` (no `REDIS_URL`), the in-process cache serves alone.
    package init(redis: RedisClient?, health: DependencyHealth?, metrics: ShopMetrics, clock: any ShopClock, localCapacity: Int = 100_000) {
        self.redis = redis
        self.health = health
        self.metrics = metrics
        self.clock = clock
        local = ExpiringCache(timeToLiveMilliseconds: CacheKeyspace.catalog.timeToLiveMilliseconds, capacity: localCapacity, clock: clock)
    }

    package func get(_ keyspace: CacheKeyspace, _ id: String) async -> String? {
        let key = keyspace.key(id)
        let value = await withRedis { redis in try await redis.send("GET", key).string } ?? localCache()[key]
        metrics.cacheLookup(keyspace: keyspace.rawValue, hit: value != nil)
        return value
    }

    package func set(_ keyspace: CacheKeyspace, _ id: String, _ value: String) async {
        let key = keyspace.key(id)
        let stored: Void? = await withRedis { redis in
            _ = try await redis.send("SET", key, value, "PX", String(keyspace.timeToLiveMilliseconds))
        }
        if stored == nil {
            localCache().store(value, for: key, expiresAt: clock.now().adding(milliseconds: keyspace.timeToLiveMilliseconds))
        }
    }

    /// Drops `ids` everywhere; what Redis could not be told now, it is told before it is used again.
    package func invalidate(_ keyspace: CacheKeyspace, _ ids: [String]) async {
        guard !ids.isEmpty else { return }
        let keys = ids.map(keyspace.key)
        for key in keys { local.remove(key) }
        guard redis != nil else { return }
        var deleted: Void?
        if health?.isUp == true { deleted = await withRedis { redis in _ = try await redis.send(["DEL"] + keys) } }
        if deleted == nil { remember(keys) }
    }

    /// Runs `body` against Redis when there is one and it is worth trying; nil when it is not, or failed.
    private func withRedis<Result>(_ body: (RedisClient) async throws -> Result) async -> Result? {
        guard let redis, let health else { return nil }
        return await health.attempt {
            if !health.isUp || hasPending { try await dropPending(redis) }
            return try await body(redis)
        }
    }

    private var hasPending: Bool { state.withLock { !$0.pending.isEmpty || $0.pendingOverflowed } }

    private func remember(_ keys: [String]) {
        state.withLock { state in
            guard !state.pendingOverflowed else { return }
            state.pending.formUnion(keys)
            if state.pending.count > Self.pendingLimit {
                state.pending = []
                state.pendingOverflowed = true
            }
        }
    }

    /// Deletes the remembered keys in Redis (every stock key after an overflow); they stay remembered if
    /// that fails.
    private func dropPending(_ redis: RedisClient) async throws {
        let (keys, overflowed) = state.withLock { state in
            defer { (state.pending, state.pendingOverflowed) = ([], false) }
            return (Array(state.pending), state.pendingOverflowed)
        }
        do {
            for start in stride(from: 0, to: keys.count, by: 1000) {
                try await redis.send(["DEL"] + keys[start..<min(start + 1000, keys.count)])
            }
            if overflowed { try await deleteAll(matching: CacheKeyspace.stock.key("*"), redis) }
        } catch {
            state.withLock { state in
                state.pending.formUnion(keys)
                state.pendingOverflowed = state.pendingOverflowed || overflowed
            }
            throw error
        }
    }

    private func deleteAll(matching pattern: String, _ redis: RedisClient) async throws {
        var cursor = "0"
        repeat {
            let reply = try await redis.send("SCAN", cursor, "MATCH", pattern, "COUNT", "1000").array ?? []
            guard reply.count == 2, let next = reply[0].string, let keys = reply[1].array?.compactMap(\.string) else { break }
            if !keys.isEmpty { try await redis.send(["DEL"] + keys) }
            cursor = next
        } while cursor != "0"
    }

    /// The in-process cache, emptied first if it was filled during an earlier outage.
    private func localCache() -> ExpiringCache<String, String> {
        let outage = health?.outage ?? 0
        let stale = state.withLock { state in
            defer { state.localOutage = outage }
            return state.localOutage != outage
        }
        if stale { local.removeAll() }
        return local
    }
}
