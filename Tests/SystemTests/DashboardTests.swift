import Foundation
import HTTPTypes
import HummingbirdTesting
import LoadProfile
import NIOCore
import SLOSpec
import ShopAPI
import ShopAPITestSupport
import ShopDashboards
import ShopDomain
import ShopLoad
import ShopTestSupport
import Testing

/// The Grafana dashboards in `dashboards/`: valid dashboard JSON, what `shop-slo dashboards` writes, and
/// querying only series that exist: the service's real exposition, the generated rules, or Prometheus's
/// own `ALERTS`.
@Suite("Dashboards")
struct DashboardTests {
    static let folder = TestTools.packageRoot + "/dashboards"

    static func files() throws -> [(name: String, json: [String: Any])] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted().map { name in
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            return (name, try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "\(name) is not a JSON object"))
        }
    }

    static func slos() throws -> [ServiceLevelObjective] {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestTools.packageRoot + "/slos").filter { $0.hasSuffix(".yaml") }.sorted().map
        { name in
            ("slos/" + name, try String(contentsOfFile: TestTools.packageRoot + "/slos/" + name, encoding: .utf8))
        }
        return try SLOSpecs.parse(files: files)
    }

    @Test func everyFileIsAValidDashboard() throws {
        let files = try Self.files()
        #expect(files.map(\.name) == ["shop-api-business.json", "shop-api-load-tests.json", "shop-api-service.json", "shop-api-slos.json"])
        var uids: Set<String> = []
        for (name, json) in files {
            let uid = try #require(json["uid"] as? String, "\(name): no uid")
            #expect(!uid.isEmpty && uids.insert(uid).inserted, "\(name): uid \(uid)")
            #expect((json["title"] as? String)?.isEmpty == false, "\(name): no title")
            let panels = try #require(json["panels"] as? [[String: Any]], "\(name): no panels")
            #expect(panels.count > 3)
            for panel in panels where panel["type"] as? String != "row" {
                let title = panel["title"] as? String ?? "?"
                #expect((panel["datasource"] as? [String: Any])?["type"] as? String == "prometheus", "\(name): \(title): no Prometheus datasource")
                let targets = panel["targets"] as? [[String: Any]] ?? []
                #expect(!targets.isEmpty, "\(name): \(title): no targets")
                for target in targets { #expect((target["expr"] as? String)?.isEmpty == false, "\(name): \(title): a target without expr") }
                let grid = panel["gridPos"] as? [String: Int] ?? [:]
                #expect((grid["x"] ?? -1) + (grid["w"] ?? 99) <= 24, "\(name): \(title): off the grid")
            }
        }
    }

    @Test func filesAreWhatTheGeneratorWrites() throws {
        for (file, dashboard) in ShopDashboards.all(slos: try Self.slos()) {
            let committed = try String(contentsOfFile: Self.folder + "/" + file, encoding: .utf8)
            #expect(committed == (try ShopDashboards.json(dashboard)), "dashboards/\(file) is out of date: run shop-slo dashboards")
        }
    }

    /// The series a PromQL expression reads: names left once strings, label matchers, ranges, grouping
    /// clauses, functions and keywords are taken out.
    static func seriesNames(_ expression: String) -> Set<String> {
        var text = expression
        for pattern in [#""(?:[^"\\]|\\.)*""#, #"\{[^}]*\}"#, #"\[[^\]]*\]"#, #"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        let keywords: Set<String> = ["and", "or", "unless", "bool", "offset", "by", "without"]
        var names: Set<String> = []
        let regex = try! NSRegularExpression(pattern: #"[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?"#)
        for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let token = String(text[Range(match.range, in: text)!])
            guard !token.hasSuffix("("), !keywords.contains(token), !token.hasPrefix("$") else { continue }
            let before = match.range.location > 0 ? (text as NSString).substring(with: NSRange(location: match.range.location - 1, length: 1)) : " "
            if before == "$" || before.first?.isNumber == true || before == "." { continue }
            names.insert(token)
        }
        return names
    }

    @Test func seriesNamesAreFoundInExpressions() {
        #expect(
            Self.seriesNames(
                #"sum by (le, http_route) (rate(http_server_request_duration_seconds_bucket{http_route="/v1/orders"}[$__rate_interval])) / 100"#)
                == ["http_server_request_duration_seconds_bucket"])
        #expect(
            Self.seriesNames(#"1 - slo:error_ratio:rate30d{slo="x"} / slo:error_budget{slo="x"}"#) == ["slo:error_ratio:rate30d", "slo:error_budget"])
        #expect(Self.seriesNames(#"histogram_quantile(0.99, sum by (le) (rate(a_bucket[5m]))) and on(slo) b == 1"#) == ["a_bucket", "b"])
    }

    /// Every family the dashboards query is in a real exposition: shop-api on PostgreSQL (SQLite where no
    /// server is configured) and Redis, after orders, a payment, a refund, picks and a fault setting.
    @Test func everyQueriedSeriesExists() async throws {
        let exposed = try await Self.realExposition().union(try Self.loadExposition())
        let slos = try Self.slos()
        let recorded = Set(
            slos.flatMap { slo in
                slo.recordedWindows.flatMap { [PrometheusRules.badRate($0), PrometheusRules.totalRate($0), PrometheusRules.errorRatio($0)] }
                    + [PrometheusRules.objectiveSeries, PrometheusRules.errorBudgetSeries, PrometheusRules.periodSeries]
            })
        var queried = 0
        for (name, json) in try Self.files() {
            for panel in json["panels"] as? [[String: Any]] ?? [] {
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    let expression = target["expr"] as? String ?? ""
                    for series in Self.seriesNames(expression) {
                        queried += 1
                        #expect(
                            exposed.contains(series) || recorded.contains(series) || series == "ALERTS",
                            "\(name): \(panel["title"] ?? ""): \(series) is in no exposition or rule")
                    }
                }
            }
        }
        #expect(queried > 50)
    }

    /// Sample names of shop-load's live metrics after an answer, a late one and a drop.
    static func loadExposition() throws -> Set<String> {
        let profile = try Profile(yaml: "name: d\nduration: 1m\nrate: {base: 1}\nmix: {product: 1}\n", file: "d.yaml")
        let metrics = LiveMetrics(
            LoadRunConfiguration(
                target: URL(string: "http://127.0.0.1:8080")!, profile: profile, profileFile: "d.yaml", speed: 1, end: 60, seed: 1,
                customerTokens: [], adminToken: nil))
        let recorder = LiveMetrics.Recorder(metrics)
        recorder.completed(.product, code: 200, late: true, corrected: 2_000_000, uncorrected: 1_000_000)
        recorder.dropped(.product)
        return sampleNames(String(decoding: metrics.render(), as: UTF8.self))
    }

    static func sampleNames(_ text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
                line.split(separator: "{", maxSplits: 1).first.map { String($0.split(separator: " ").first ?? $0) }
            })
    }

    /// Sample names (histogram and summary suffixes included) of a live scrape after exercising the service.
    static func realExposition() async throws -> Set<String> {
        let alice = try await TestApp.token("alice", .customer)
        let warehouse = try await TestApp.token("w1", .warehouse)
        let admin = try await TestApp.token("ops", .admin)
        let kind = StoreKind.tested.last!
        let names = SendableBox<Set<String>>([])
        try await withRedisServer { redis in
            try await TestApp.run(kind, configure: { $0.redisURL = redis.url }) { client in
                let placed = try await client.send(.post, "/v1/orders", token: alice, json: orderJSON(("SKU-00001", 2))).json
                let id = try #require(placed["id"]?.string)
                _ = try await client.eventually("/v1/orders/\(id)/payment", token: alice) { $0["status"]?.string == "captured" }
                _ = try await client.send(
                    .post, "/v1/orders", token: alice, json: orderJSON(("SKU-00001", 2)), headers: [.init("Idempotency-Key")!: "k"])
                _ = try await client.send(
                    .post, "/v1/orders", token: alice, json: orderJSON(("SKU-00001", 2)), headers: [.init("Idempotency-Key")!: "k"])
                _ = try await client.send(.post, "/v1/orders/\(id)/cancel", token: alice)
                _ = try await client.send(.post, "/v1/inventory/SKU-00003/picks", token: warehouse, json: #"{"quantity":1}"#)
                _ = try await client.send(.get, "/v1/inventory/SKU-00003")
                _ = try await client.send(.put, "/v1/admin/faults", token: admin, json: #"{"routes":{"/v1/products/{sku}":{"latency_ms":1}}}"#)
                let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                names.value = sampleNames(text)
            }
        }
        return names.value
    }
}

/// A value a test's closures fill in.
final class SendableBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
