import Foundation
import Logging
import Prometheus
import ShopCache
import ShopDomain
import ShopMetrics
import ShopRedis
import ShopStore
import ShopSupport
import ShopTestSupport
import Testing

@Suite("Cache-aside on Redis")
struct CachingRepositoryTests {
    static let t0 = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)
    static let customer = Principal(subject: "c1", role: .customer)
    static let warehouse = Principal(subject: "w1", role: .warehouse)
    static let sku = SKU("SKU-00001")!

    struct Harness {
        let repository: CachingShopRepository
        let redis: RedisClient
        let registry: PrometheusCollectorRegistry
        let logs: LogRecorder

        /// What Redis holds for `sku` in `keyspace`, read past the cache.
        func stored(_ keyspace: CacheKeyspace, _ sku: SKU = CachingRepositoryTests.sku) async throws -> String? {
            try await redis.send("GET", keyspace.key(sku.code)).string
        }

        func metric(_ sample: String) -> Double? {
            var buffer = [UInt8]()
            registry.emit(into: &buffer)
            let line = String(decoding: buffer, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(sample + " ") }
            return line.flatMap { Double($0.split(separator: " ").last ?? "") }
        }

        var warnings: [String] { logs.lines.filter { $0.level == .warning }.map(\.message) }
    }

    /// A SQLite repository with a 20-product catalog behind the cache, on `server` (which may be down).
    func withHarness(_ server: TestRedisServer, _ body: @Sendable (Harness) async throws -> Void) async throws {
        try await withTestDatabase(.sqlite) { database in
            let base = SQLShopRepository(database: database)
            try await base.prepare(demoCatalogSize: 20, at: Self.t0)
            var configuration = try RedisConfiguration(url: server.url, maximumConnections: 4)
            configuration.commandTimeout = .milliseconds(100)
            let redis = RedisClient(configuration: configuration)
            let registry = PrometheusCollectorRegistry()
            let metrics = ShopMetrics(registry: registry)
            let logs = LogRecorder()
            let health = DependencyHealth(name: "redis", retryInterval: .milliseconds(100), logger: logs.logger(), metrics: metrics)
            let cache = FallbackCache(redis: redis, health: health, metrics: metrics, clock: ManualClock(Self.t0))
            do {
                try await body(Harness(repository: CachingShopRepository(base, cache: cache), redis: redis, registry: registry, logs: logs))
                await redis.shutdown()
            } catch {
                await redis.shutdown()
                throw error
            }
        }
    }

    func order(_ quantity: Int64) throws -> OrderRequest {
        try OrderRequest(validating: [RequestedItem(sku: Self.sku.code, quantity: quantity)])
    }

    @Test func stockIsReadOnceThenServedFromRedisWithItsTTL() async throws {
        try await withRedisServer { server in
            try await withHarness(server) { h in
                let first = try await h.repository.stock(Self.sku)
                let second = try await h.repository.stock(Self.sku)
                #expect(first == second)
                #expect(try await h.stored(.stock) != nil)
                let ttl = try await h.redis.send("PTTL", CacheKeyspace.stock.key(Self.sku.code)).integer ?? -1
                #expect((1...60_000).contains(ttl))
                #expect(h.metric(#"shop_cache_lookups_total{keyspace="stock",result="miss"}"#) == 1)
                #expect(h.metric(#"shop_cache_lookups_total{keyspace="stock",result="hit"}"#) == 1)
                _ = try await h.repository.product(Self.sku)
                let catalogTTL = try await h.redis.send("PTTL", CacheKeyspace.catalog.key(Self.sku.code)).integer ?? -1
                #expect(catalogTTL > 86_000_000)
            }
        }
    }

    @Test func everyWriteThatMovesStockDropsItsCachedFigure() async throws {
        try await withRedisServer { server in
            try await withHarness(server) { h in
                let start = try await h.repository.stock(Self.sku).quantity
                let placed = try await h.repository.placeOrder(try order(2), customerID: "c1", idempotencyKey: nil, at: Self.t0)
                #expect(try await h.stored(.stock) == nil)
                #expect(try await h.repository.stock(Self.sku).quantity == start - 2)

                _ = try await h.repository.closeOrder(id: placed.order.id, as: .cancelled, by: Self.customer, at: Self.t0)
                #expect(try await h.stored(.stock) == nil)
                #expect(try await h.repository.stock(Self.sku).quantity == start)

                for change in [
                    StockChange.set(quantity: 40, reason: "count"), .adjust(delta: -5, reason: "damage"), .pick(quantity: 1, reference: nil),
                ] {
                    _ = try await h.repository.stock(Self.sku)
                    #expect(try await h.stored(.stock) != nil)
                    let level = try await h.repository.changeStock(Self.sku, change, by: Self.warehouse, at: Self.t0)
                    #expect(try await h.stored(.stock) == nil, "\(change)")
                    #expect(try await h.repository.stock(Self.sku).quantity == level.quantity)
                }

                // A declined payment gives the stock back, and drops the figure too.
                let declined = try await h.repository.placeOrder(try order(3), customerID: "c1", idempotencyKey: nil, at: Self.t0)
                _ = try await h.repository.stock(Self.sku)
                let payment = try #require(try await h.repository.claimDuePayments(limit: 10, leaseMilliseconds: 60_000, at: Self.t0).first)
                #expect(payment.orderID == declined.order.id)
                try await h.repository.recordPaymentOutcome(payment, .declined(reason: "test"), at: Self.t0)
                #expect(try await h.stored(.stock) == nil)
                #expect(try await h.repository.stock(Self.sku).quantity == 34)
            }
        }
    }

    @Test func aReplayedOrderLeavesTheCacheAlone() async throws {
        try await withRedisServer { server in
            try await withHarness(server) { h in
                _ = try await h.repository.placeOrder(try order(1), customerID: "c1", idempotencyKey: "k1", at: Self.t0)
                _ = try await h.repository.stock(Self.sku)
                let replay = try await h.repository.placeOrder(try order(1), customerID: "c1", idempotencyKey: "k1", at: Self.t0)
                #expect(replay.replayed)
                #expect(try await h.stored(.stock) != nil)
            }
        }
    }

    @Test func redisLostWhileRunningMeansOneWarningNoErrorAndRecovery() async throws {
        try await withRedisServer { server in
            try await withHarness(server) { h in
                let start = try await h.repository.stock(Self.sku).quantity
                server.kill()
                for _ in 0..<20 { #expect(try await h.repository.stock(Self.sku).quantity == start) }
                _ = try await h.repository.placeOrder(try order(1), customerID: "c1", idempotencyKey: nil, at: Self.t0)
                #expect(try await h.repository.stock(Self.sku).quantity == start - 1)
                #expect(h.warnings == ["dependency unavailable, working without it"])
                #expect(h.metric(#"shop_dependency_up{dependency="redis"}"#) == 0)

                try await server.start()
                try await Task.sleep(for: .milliseconds(150))
                #expect(try await h.repository.stock(Self.sku).quantity == start - 1)
                #expect(h.warnings.last == "dependency is back, using it again")
                #expect(h.metric(#"shop_dependency_up{dependency="redis"}"#) == 1)
                #expect(try await h.stored(.stock) != nil)
            }
        }
    }

    @Test func whatWasDroppedDuringAPartitionIsDroppedInRedisBeforeItIsUsedAgain() async throws {
        try await withRedisServer { server in
            try await withHarness(server) { h in
                let start = try await h.repository.stock(Self.sku).quantity
                let before = try #require(try await h.stored(.stock))
                // Redis answers nothing while the order commits, so the figure cannot be dropped then.
                server.pause()
                _ = try await h.repository.placeOrder(try order(4), customerID: "c1", idempotencyKey: nil, at: Self.t0)
                server.resume()
                // The DEL may still arrive from the socket's buffer; a partition would lose it: put the old
                // figure back as if it had.
                try await h.redis.send("SET", CacheKeyspace.stock.key(Self.sku.code), before, "PX", "60000")
                try await Task.sleep(for: .milliseconds(150))
                #expect(try await h.repository.stock(Self.sku).quantity == start - 4)
            }
        }
    }
}
