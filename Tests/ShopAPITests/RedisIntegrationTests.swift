import HTTPTypes
import HummingbirdTesting
import Logging
import ShopAPI
import ShopAPITestSupport
import ShopContract
import ShopDomain
import ShopMetrics
import ShopRedis
import ShopStore
import ShopTestSupport
import Testing

@Suite("API with Redis")
struct RedisIntegrationTests {
    @Test func stockReadsAreCachedInRedisAndOrdersDropThem() async throws {
        let customer = try await TestApp.token("alice", .customer)
        try await withRedisServer { server in
            let redis = RedisClient(configuration: try RedisConfiguration(url: server.url))
            defer { Task { await redis.shutdown() } }
            try await TestApp.run(configure: { $0.redisURL = server.url }) { client in
                let first = try await client.send(.get, "/v1/inventory/SKU-00001")
                #expect(first.status == .ok)
                #expect(try await redis.send("EXISTS", "shop:stock:SKU-00001") == .integer(1))
                let placed = try await client.send(.post, "/v1/orders", token: customer, json: orderJSON(("SKU-00001", 1)))
                #expect(placed.status == .created)
                #expect(try await redis.send("EXISTS", "shop:stock:SKU-00001") == .integer(0))
                let samples = try await MetricsTests.scrape(client)
                #expect(samples["\(MetricNames.dependencyUp){dependency=\"redis\"}"] == 1)
                #expect(
                    (samples["\(MetricNames.databaseOperation)_count{db_system_name=\"redis\",db_operation_name=\"get\",outcome=\"ok\"}"] ?? 0) >= 1)
            }
        }
    }

    @Test func redisAbsentAtStartIsOneWarningAndTheAPIStillAnswers() async throws {
        let logs = LogRecorder()
        let port = try TestTools.freePort()
        try await TestApp.run(
            logger: logs.logger(),
            configure: {
                $0.redisURL = "redis://127.0.0.1:\(port)"; $0.logLevel = .warning
            }
        ) { client in
            for _ in 0..<3 { #expect(try await client.send(.get, "/v1/inventory/SKU-00001").status == .ok) }
            #expect(try await client.send(.get, "/v1/products/SKU-00002").status == .ok)
            let samples = try await MetricsTests.scrape(client)
            #expect(samples["\(MetricNames.dependencyUp){dependency=\"redis\"}"] == 0)
            #expect(samples["\(MetricNames.cacheLookups){keyspace=\"stock\",result=\"hit\"}"] == 2)
        }
        let warnings = logs.lines.filter { $0.level == .warning }
        #expect(warnings.filter { $0.metadata["dependency"] == "redis" }.map(\.message) == ["dependency unavailable, working without it"])
        // Anything else warned about is a bug to see.
        #expect(warnings.filter { $0.metadata["dependency"] == nil }.map { "\($0.message) \($0.metadata)" } == [])
    }

    @Test func aBadRedisURLIsAClearConfigurationError() async throws {
        await #expect(throws: ConfigurationError.self) {
            try await TestApp.run(configure: { $0.redisURL = "http://nope" }) { _ in }
        }
    }
}
