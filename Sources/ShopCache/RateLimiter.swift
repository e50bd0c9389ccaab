import ShopDomain
import ShopMetrics
import ShopRedis
import ShopSupport
import Synchronization

/// One limit to check for a request: `scope` (`user`, `ip`, `route`) names it in metrics and logs.
package struct RateLimitRule: Sendable, Equatable {
    package let scope: String
    package let key: String
    package let limit: RateLimit

    package init(scope: String, key: String, limit: RateLimit) {
        self.scope = scope
        self.key = key
        self.limit = limit
    }
}

/// Rate limits shared by every instance through Redis (one atomic script per request), or kept in-process
/// while Redis is away or not configured. A request is allowed only if every rule allows it, and only then
/// is it counted against them all.
package final class RateLimiter: Sendable {
    private let redis: RedisClient?
    private let health: DependencyHealth?
    private let metrics: ShopMetrics
    private let clock: any ShopClock
    private let local = Mutex<[String: Int64]>([:])
    /// The scripts' digests once loaded: the decision's and the refund's.
    private let decideSHA = Mutex<String?>(nil)
    private let refundSHA = Mutex<String?>(nil)
    /// Past this many keys, rested ones (arrival time in the past) are dropped from the in-process table.
    static let localCapacity = 100_000

    package init(redis: RedisClient?, health: DependencyHealth?, metrics: ShopMetrics, clock: any ShopClock) {
        self.redis = redis
        self.health = health
        self.metrics = metrics
        self.clock = clock
    }

    /// The decision that binds: the refusal if any rule refuses (the longest wait), otherwise the rule
    /// with the fewest requests left. Nil for no rules.
    package func check(_ rules: [RateLimitRule]) async -> (rule: RateLimitRule, decision: RateLimitDecision)? {
        guard !rules.isEmpty else { return nil }
        let decisions = await sharedDecisions(rules) ?? localDecisions(rules)
        let binding = zip(rules, decisions).min { a, b in Self.precedes(a.1, b.1) }!
        metrics.rateLimitDecision(scope: binding.0.scope, allowed: binding.1.isAllowed)
        return binding
    }

    /// Gives back one request to each rule, as if it had not been counted: a sign-in counts against its
    /// failure limits before the password is checked (so parallel guesses cannot all slip under the limit)
    /// and is given back when it succeeds. Best effort: with Redis away, only the in-process count.
    package func refund(_ rules: [RateLimitRule]) async {
        guard !rules.isEmpty else { return }
        if let redis, let health {
            let done: Bool? = await health.attempt {
                _ = try await runScript(
                    redis, Self.refundScript, loaded: refundSHA, keys: rules.map { "shop:rate:" + $0.key },
                    arguments: rules.map { String($0.limit.emissionIntervalMicroseconds) })
                return true
            }
            if done == true { return }
        }
        let now = clock.now().millisecondsSinceEpoch * 1000
        local.withLock { arrivals in
            for rule in rules {
                guard let arrival = arrivals[rule.key] else { continue }
                arrivals[rule.key] = max(now, arrival - rule.limit.emissionIntervalMicroseconds)
            }
        }
    }

    /// Moves each key's arrival time back by its interval, never before now (then the key is rested and goes).
    static let refundScript = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
        for i, key in ipairs(KEYS) do
          local arrival = tonumber(redis.call('GET', key) or '0')
          local earlier = arrival - tonumber(ARGV[i])
          if earlier <= now then
            redis.call('DEL', key)
          else
            redis.call('SET', key, string.format('%.0f', earlier), 'PX', string.format('%.0f', math.ceil((earlier - now) / 1000)))
          end
        end
        return 1
        """

    /// Whether `a` binds before `b`.
    package static func precedes(_ a: RateLimitDecision, _ b: RateLimitDecision) -> Bool {
        switch (a, b) {
        case (.limited(_, let x, _), .limited(_, let y, _)): x > y
        case (.limited, .allowed): true
        case (.allowed, .limited): false
        case (.allowed(_, let x, _), .allowed(_, let y, _)): x < y
        }
    }

    private func localDecisions(_ rules: [RateLimitRule]) -> [RateLimitDecision] {
        let now = clock.now().millisecondsSinceEpoch * 1000
        return local.withLock { arrivals in
            if arrivals.count > Self.localCapacity { arrivals = arrivals.filter { $0.value > now } }
            let outcomes = rules.map { $0.limit.decide(storedArrival: arrivals[$0.key], now: now) }
            if outcomes.allSatisfy(\.decision.isAllowed) {
                for (rule, outcome) in zip(rules, outcomes) { arrivals[rule.key] = outcome.newArrival }
            }
            return outcomes.map(\.decision)
        }
    }

    /// The decisions from Redis, or nil to decide in-process (no Redis, Redis away, or it failed now).
    private func sharedDecisions(_ rules: [RateLimitRule]) async -> [RateLimitDecision]? {
        guard let redis, let health else { return nil }
        return await health.attempt {
            let replies = try await runScript(
                redis, Self.script, loaded: decideSHA, keys: rules.map { "shop:rate:" + $0.key },
                arguments: rules.flatMap {
                    [String($0.limit.emissionIntervalMicroseconds), String($0.limit.windowMicroseconds)]
                })
            guard replies.count == rules.count else { throw RedisError.reply("rate-limit script answered \(replies.count) results") }
            return try zip(rules, replies).map { rule, reply in
                guard let values = reply.array?.compactMap(\.integer), values.count == 3 else {
                    throw RedisError.reply("unexpected rate-limit result \(reply)")
                }
                return values[0] == 1
                    ? RateLimitDecision.allowed(
                        limit: rule.limit, remaining: rule.limit.remaining(busyMicroseconds: values[1]), resetMicroseconds: values[1])
                    : .limited(limit: rule.limit, retryAfterMicroseconds: values[1], resetMicroseconds: values[2])
            }
        }
    }

    /// EVALSHA of `script`, whose digest `loaded` keeps, loading it first (again after a Redis restart forgot it).
    private func runScript(
        _ redis: RedisClient, _ script: String, loaded: borrowing Mutex<String?>, keys: [String], arguments: [String]
    ) async throws -> [RedisValue] {
        for attempt in 0..<2 {
            let sha: String
            if let known = loaded.withLock({ $0 }), attempt == 0 {
                sha = known
            } else {
                guard let digest = try await redis.send("SCRIPT", "LOAD", script).string else {
                    throw RedisError.reply("SCRIPT LOAD gave no digest")
                }
                loaded.withLock { $0 = digest }
                sha = digest
            }
            do {
                return try await redis.send(["EVALSHA", sha, String(keys.count)] + keys + arguments).array ?? []
            } catch RedisError.reply(let message) where message.hasPrefix("NOSCRIPT") {
                continue
            }
        }
        throw RedisError.reply("the rate-limit script could not be loaded")
    }

    /// `RateLimit.decide` for every key, in Redis time, all or nothing. Per key it answers
    /// {1, busy, 0} when allowed and {0, retry after, reset} when not (microseconds). Numbers are written with
    /// %.0f because Lua would print large ones in exponent form.
    static let script = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
        local results, nexts, allowed = {}, {}, true
        for i, key in ipairs(KEYS) do
          local interval, window = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
          local arrival = math.max(tonumber(redis.call('GET', key) or '0'), now)
          local nxt = arrival + interval
          if now < nxt - window then
            allowed = false
            results[i] = {0, nxt - window - now, arrival - now}
          else
            nexts[i] = nxt
            results[i] = {1, nxt - now, 0}
          end
        end
        if allowed then
          for i, key in ipairs(KEYS) do
            redis.call('SET', key, string.format('%.0f', nexts[i]), 'PX', string.format('%.0f', math.ceil((nexts[i] - now) / 1000)))
          end
        end
        return results
        """
}
