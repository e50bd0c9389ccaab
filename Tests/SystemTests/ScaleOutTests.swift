import Foundation
import LoadReport
import ShopAPITestSupport
import ShopTestSupport
import Testing

/// What `deploy/` runs on many machines, on one: three shop-api instances on one PostgreSQL and one Redis,
/// and the load split into three shards (the Indexed Job's `--shard i/3`), one against each instance.
@Suite("Scale-out on one machine", .enabled(if: TestPostgres.enabled, Comment(rawValue: TestPostgres.skipMessage)))
struct ScaleOutTests {
    static let stock = 12
    static let skus = 20
    /// Orders and reads, Poisson arrivals (each arrival's endpoint and SKUs drawn from its own number), at a
    /// rate whose orders ask for about twice the stock there is, so shards race for the last units.
    static let profile = """
        name: scale-out
        duration: 6s
        rate: {base: 50}
        arrivals: poisson
        mix: {order: 60, product: 25, stock: 15}
        users: 30
        window: 1s
        """

    @Test func threeShardsAgainstThreeInstancesSendOneScheduleAndSellNoUnitTwice() async throws {
        let psql = try #require(TestTools.find("psql"), "psql (Debian postgresql-client) is needed")
        try await TestPostgres.withFreshDatabase { url in
            try await withRedisServer { redis in
                try await withTemporaryDirectory { directory in
                    // Settlement off: no payment outcome gives stock back while the test counts it.
                    let shared = ["--database-url", url, "--redis-url", redis.url, "--rate-limits", "off", "--payment-settlement", "off"]
                    let first = try await ShopAPIProcess(shared + ["--demo-catalog", "\(Self.skus)"])
                    var instances = [first]
                    do {
                        let (set, output) = try await TestTools.run(psql, [url, "-qAtc", "UPDATE inventory SET quantity = \(Self.stock)"])
                        #expect(set == 0, "\(output)")
                        for _ in 0..<2 { instances.append(try await ShopAPIProcess(shared)) }
                        try await Self.check(instances, url: url, psql: psql, in: directory)
                    } catch {
                        for instance in instances { await instance.stop() }
                        throw error
                    }
                    for instance in instances { #expect(await instance.stop() == 0) }
                }
            }
        }
    }

    static func check(_ instances: [ShopAPIProcess], url: String, psql: String, in directory: String) async throws {
        let file = directory + "/profile.yaml"
        try profile.write(toFile: file, atomically: true, encoding: .utf8)
        func run(_ target: ShopAPIProcess, _ name: String, _ extra: [String]) async throws -> LoadResult {
            let out = directory + "/\(name).json"
            let (status, output) = try await TestTools.run(
                ".build/debug/shop-load",
                ["run", file, "--target", target.baseURL, "--jwt-secret", ShopAPIProcess.secret, "--seed", "11", "--progress", "off", "--out", out]
                    + extra)
            #expect(status == 0, "\(name): \(output)")
            return try ResultFile.read(out)
        }
        // The three shards at once, one per instance, as the Job's pods behind the Service.
        let shards = try await withThrowingTaskGroup(of: (Int, LoadResult).self) { group in
            for index in 0..<3 {
                group.addTask { (index, try await run(instances[index], "shard-\(index)", ["--shard", "\(index)/3"])) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }.sorted { $0.key < $1.key }.map(\.value)
        }
        let merged = try LoadResult.merge(shards)
        #expect(merged.shards.map(\.description) == ["0/3", "1/3", "2/3"])
        for (index, shard) in shards.enumerated() {
            #expect(shard.summary.first { $0.endpoint == "all" }?.sent ?? 0 > 0, "shard \(index) sent nothing")
        }

        // The same schedule from one generator: window by window and endpoint by endpoint, the same arrivals.
        let whole = try await run(instances[0], "whole", [])
        let scheduled = { (result: LoadResult) in result.windows.map { $0.endpoints.mapValues(\.scheduled) } }
        #expect(scheduled(merged) == scheduled(whole))
        let all = try #require(merged.summary.first { $0.endpoint == "all" })
        #expect(all.scheduled == whole.summary.first { $0.endpoint == "all" }?.scheduled && all.scheduled > 200, "\(all.scheduled)")
        #expect(all.dropped == 0 && all.completed == all.scheduled, "every arrival sent and answered: \(all)")
        #expect(all.status["5xx", default: 0] == 0 && all.status["error", default: 0] == 0, "no server error, no unanswered request: \(all.status)")

        // Every order answered 201 is in the database, and none more; every other answer is out of stock.
        // The whole run's orders carry the shards' idempotency keys (drawn from each arrival's number), so
        // they are answered again as first answered, and make no order of their own.
        let codes = { (result: LoadResult) in result.summary.first { $0.endpoint == "order" }?.codes ?? [:] }
        #expect(Set(codes(merged).keys).isSubset(of: ["201", "409"]), "\(codes(merged))")
        #expect(codes(merged)["409", default: 0] > 0, "the stock ran out: the shards raced for it")
        #expect(codes(whole) == codes(merged))
        let query = { (sql: String) async throws -> String in
            let (status, output) = try await TestTools.run(psql, [url, "-qAtc", sql])
            #expect(status == 0, "\(output)")
            return output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try await query("SELECT COUNT(*) FROM orders") == "\(codes(merged)["201", default: 0])", "no order lost, none made up")
        // No unit sold twice: what every SKU's orders hold and what is left add up to what there was.
        let oversold = try await query(
            """
            SELECT COUNT(*) FROM inventory i
            WHERE i.quantity + COALESCE((SELECT SUM(quantity) FROM order_items o WHERE o.sku = i.sku), 0) <> \(stock)
            """)
        #expect(oversold == "0")
        #expect(try await query("SELECT COUNT(*) FROM inventory WHERE quantity = 0") != "0", "some SKU sold out")
    }
}
