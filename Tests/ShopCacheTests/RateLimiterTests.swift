import Logging
import Prometheus
import ShopCache
import ShopDomain
import ShopMetrics
import ShopRedis
import ShopTestSupport
import Testing

@Suite("Rate limits on Redis")
struct RateLimiterTests {
    static let clock = ManualClock()

    /// A limiter with a Redis client of its own, like one more instance of the service.
    static func instance(_ server: TestRedisServer, logs: LogRecorder = LogRecorder()) throws -> (RateLimiter, RedisClient) {
        var configuration = try RedisConfiguration(url: server.url, maximumConnections: 2)
        configuration.commandTimeout = .milliseconds(100)
        let redis = RedisClient(configuration: configuration)
        let metrics = ShopMetrics(registry: PrometheusCollectorRegistry())
        let health = DependencyHealth(name: "redis", retryInterval: .milliseconds(100), logger: logs.logger(), metrics: metrics)
        return (RateLimiter(redis: redis, health: health, metrics: metrics, clock: clock), redis)
    }

    static func rule(_ key: String, _ rate: String, scope: String = "user") -> RateLimitRule {
        RateLimitRule(scope: scope, key: key, limit: RateLimit(parsing: rate)!)
    }

    @Test func twoInstancesShareOneLimit() async throws {
        try await withRedisServer { server in
            let (first, firstRedis) = try Self.instance(server)
            let (second, secondRedis) = try Self.instance(server)
            var allowed = 0
            for index in 0..<20 {
                let limiter = index.isMultiple(of: 2) ? first : second
                if try #require(await limiter.check([Self.rule("user:alice", "5/min")])).decision.isAllowed { allowed += 1 }
            }
            #expect(allowed == 5)
            // Another user is untouched.
            #expect(try #require(await first.check([Self.rule("user:bob", "5/min")])).decision.isAllowed)
            await firstRedis.shutdown()
            await secondRedis.shutdown()
        }
    }

    @Test func aRequestCountsAgainstEveryRuleOnlyWhenAllAllowIt() async throws {
        try await withRedisServer { server in
            let (limiter, redis) = try Self.instance(server)
            let tight = Self.rule("route:placeOrder:alice", "2/min", scope: "route")
            // 100 an hour: one back every 36 s, so a slow machine cannot hand one back during the test and
            // blur what the refusals spent (at 100/min one comes back every 0.6 s).
            let loose = Self.rule("user:alice", "100/h")
            var remaining: [Int] = []
            for _ in 0..<5 {
                let (rule, decision) = try #require(await limiter.check([loose, tight]))
                if case .allowed(_, let left, _) = decision { remaining.append(left) }
                if !decision.isAllowed { #expect(rule.scope == "route") }
            }
            #expect(remaining == [1, 0])
            // Three refusals later the loose rule has spent 2 of its 100, not 5.
            let (_, decision) = try #require(await limiter.check([loose]))
            #expect(decision == .allowed(limit: loose.limit, remaining: 97, resetMicroseconds: try Self.reset(decision)))
            await redis.shutdown()
        }
    }

    static func reset(_ decision: RateLimitDecision) throws -> Int64 {
        guard case .allowed(_, _, let reset) = decision else { throw TestSupportError("not allowed") }
        return reset
    }

    @Test func withRedisGoneTheLimitHoldsInProcessAfterOneWarning() async throws {
        try await withRedisServer { server in
            let logs = LogRecorder()
            let (limiter, redis) = try Self.instance(server, logs: logs)
            server.kill()
            var allowed = 0
            for _ in 0..<10 where try #require(await limiter.check([Self.rule("user:carol", "3/min")])).decision.isAllowed { allowed += 1 }
            #expect(allowed == 3)
            #expect(logs.lines.filter { $0.level == .warning }.map(\.message) == ["dependency unavailable, working without it"])
            await redis.shutdown()
        }
    }

    @Test func theScriptIsLoadedAgainAfterRedisForgetsIt() async throws {
        try await withRedisServer { server in
            let (limiter, redis) = try Self.instance(server)
            #expect(try #require(await limiter.check([Self.rule("user:dave", "10/min")])).decision.isAllowed)
            try await redis.send("SCRIPT", "FLUSH")
            let (_, decision) = try #require(await limiter.check([Self.rule("user:dave", "10/min")]))
            guard case .allowed(_, let remaining, _) = decision else {
                Issue.record("refused after SCRIPT FLUSH: \(decision)")
                return
            }
            #expect(remaining == 8)
            await redis.shutdown()
        }
    }
}
