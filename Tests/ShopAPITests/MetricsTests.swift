import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ShopAPITestSupport
import ShopContract
import ShopDomain
import ShopMetrics
import ShopTestSupport
import Testing

@testable import ShopAPI

@Suite("Metrics")
struct MetricsTests {
    static func scrape(_ client: some TestClientProtocol) async throws -> [String: Double] {
        Exposition.samples(String(buffer: try await client.execute(uri: "/metrics", method: .get).body))
    }

    static func count(_ method: String, _ route: String, _ status: Int, synthetic: Bool = false) -> String {
        "\(MetricNames.requestDuration)_count{http_request_method=\"\(method)\",http_route=\"\(route)\",http_response_status_code=\"\(status)\",synthetic=\"\(synthetic)\"}"
    }

    @Test func telemetryOffRecordsNoRequestAndAnswersNoTrace() async throws {
        try await TestApp.run(configure: { $0.requestTelemetry = false }) { client in
            let response = try await client.send(.get, "/v1/products/SKU-00001")
            #expect(response.status == .ok && response.headers[HTTPField.Name("traceresponse")!] == nil)
            let samples = try await Self.scrape(client)
            #expect(samples[Self.count("GET", "/v1/products/{sku}", 200)] == nil)
            #expect(!samples.keys.contains { $0.hasPrefix(MetricNames.requestDuration.name) })
            // What is not per request stays: the build, the process, the business series.
            #expect(samples.keys.contains { $0.hasPrefix("process_cpu_seconds_total") })
        }
    }

    @Test func everyResponseIsTimedByMethodRouteAndStatusProblemsIncluded() async throws {
        let customer = try await TestApp.token("alice", .customer)
        try await TestApp.run { client in
            for _ in 0..<3 { _ = try await client.send(.get, "/v1/products/SKU-00001") }
            _ = try await client.send(.get, "/v1/products/SKU-99999")
            _ = try await client.send(.get, "/no/such/path")
            _ = try await client.send(.delete, "/v1/orders", token: customer)
            _ = try await client.send(.post, "/v1/orders", token: customer, json: "{\"items\":[]}")
            _ = try await client.send(.post, "/v1/orders", json: orderJSON(("SKU-00001", 1)))
            _ = try await client.send(.post, "/v1/orders", token: customer, json: "{\"items\":[" + String(repeating: " ", count: 70_000) + "]}")
            let samples = try await Self.scrape(client)
            #expect(samples[Self.count("GET", "/v1/products/{sku}", 200)] == 3)
            #expect(samples[Self.count("GET", "/v1/products/{sku}", 404)] == 1)
            #expect(samples[Self.count("GET", MetricNames.unmatchedRoute, 404)] == 1)
            #expect(samples[Self.count("DELETE", MetricNames.unmatchedRoute, 405)] == 1)
            #expect(samples[Self.count("POST", "/v1/orders", 422)] == 1)
            #expect(samples[Self.count("POST", "/v1/orders", 401)] == 1)
            #expect(samples[Self.count("POST", "/v1/orders", 413)] == 1)
            // Every SLO threshold is a bucket boundary.
            for bound in ["0.005", "0.01", "0.025", "0.05", "0.1", "0.2", "0.25", "0.3", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"] {
                let bucket =
                    "\(MetricNames.requestDuration)_bucket{http_request_method=\"GET\",http_route=\"/v1/products/{sku}\",http_response_status_code=\"200\",synthetic=\"false\",le=\"\(bound)\"}"
                #expect(samples[bucket] != nil, "no bucket le=\(bound)")
            }
            #expect(samples["http_server_active_requests"] == 1, "the scrape itself is in flight")
        }
    }

    @Test func businessSeriesCountWhatHappened() async throws {
        let alice = try await TestApp.token("alice", .customer)
        let warehouse = try await TestApp.token("w1", .warehouse)
        try await TestApp.run { client in
            let key: HTTPFields = [.init("Idempotency-Key")!: "k1"]
            let placed = try await client.send(.post, "/v1/orders", token: alice, json: orderJSON(("SKU-00001", 2)), headers: key).json
            _ = try await client.send(.post, "/v1/orders", token: alice, json: orderJSON(("SKU-00001", 2)), headers: key)
            _ = try await client.send(.post, "/v1/orders", token: alice, json: orderJSON(("SKU-00002", 10_000)))
            _ = try await client.send(.post, "/v1/orders", token: alice, json: "{\"items\":[]}")
            let id = try #require(placed["id"]?.string)
            _ = try await client.eventually("/v1/orders/\(id)/payment", token: alice) { $0["status"]?.string == "captured" }
            _ = try await client.send(.post, "/v1/orders/\(id)/cancel", token: alice)
            _ = try await client.send(.post, "/v1/orders/\(id)/cancel", token: alice)
            _ = try await client.send(.put, "/v1/inventory/SKU-00003", token: warehouse, json: #"{"quantity":1,"reason":"count"}"#)
            _ = try await client.send(.post, "/v1/inventory/SKU-00003/picks", token: warehouse, json: #"{"quantity":1}"#)
            _ = try await client.send(.post, "/v1/inventory/SKU-00003/picks", token: warehouse, json: #"{"quantity":1}"#)
            _ = try await client.eventually("/v1/orders/\(id)/payment", token: alice) { $0["status"]?.string == "refunded" }

            let samples = try await Self.scrape(client)
            #expect(samples["\(MetricNames.ordersPlaced){outcome=\"created\"}"] == 1)
            #expect(samples["\(MetricNames.ordersPlaced){outcome=\"replayed\"}"] == 1)
            #expect(samples["\(MetricNames.ordersPlaced){outcome=\"insufficient_stock\"}"] == 1)
            #expect(samples["\(MetricNames.ordersPlaced){outcome=\"rejected\"}"] == 1)
            #expect(samples["\(MetricNames.idempotentReplays)"] == 1)
            #expect(samples["\(MetricNames.stockReservations){result=\"ok\"}"] == 1)
            #expect(samples["\(MetricNames.stockReservations){result=\"insufficient\"}"] == 1)
            #expect(samples["\(MetricNames.orderValue)_sum"] == Double(placed["total"]?["amount_minor"]?.int ?? -1))
            #expect(samples["\(MetricNames.ordersClosed){to=\"cancelled\",outcome=\"ok\"}"] == 1)
            #expect(samples["\(MetricNames.ordersClosed){to=\"cancelled\",outcome=\"invalid_state\"}"] == 1)
            #expect(samples["\(MetricNames.stockPicks){result=\"ok\"}"] == 1)
            #expect(samples["\(MetricNames.stockPicks){result=\"conflict\"}"] == 1)
            #expect(samples["\(MetricNames.payments){outcome=\"captured\"}"] == 1)
            #expect(samples["\(MetricNames.payments){outcome=\"refunded\"}"] == 1)
            #expect(samples["\(MetricNames.gatewayDuration)_count{operation=\"charge\",result=\"ok\"}"] == 1)
            #expect(samples["\(MetricNames.gatewayCircuitState){state=\"closed\"}"] == 1)
            #expect(samples["\(MetricNames.gatewayCircuitState){state=\"open\"}"] == 0)
        }
    }

    @Test(arguments: StoreKind.tested)
    func databaseStatementsAndPoolLeasesAreMeasured(_ kind: StoreKind) async throws {
        try await TestApp.run(kind) { client in
            // Four SKUs read from the database, then one of them again from the stock cache.
            for sku in 1...4 { _ = try await client.send(.get, "/v1/inventory/SKU-0000\(sku)") }
            _ = try await client.send(.get, "/v1/inventory/SKU-00001")
            let samples = try await Self.scrape(client)
            #expect(samples["\(MetricNames.cacheLookups){keyspace=\"stock\",result=\"miss\"}"] == 4)
            #expect(samples["\(MetricNames.cacheLookups){keyspace=\"stock\",result=\"hit\"}"] == 1)
            let system = kind == .postgres ? "postgresql" : "sqlite"
            let reads = "\(MetricNames.databaseOperation)_count{db_system_name=\"\(system)\",db_operation_name=\"select inventory\",outcome=\"ok\"}"
            #expect(samples[reads] == 4)
            #expect(
                samples["\(MetricNames.databaseOperation)_count{db_system_name=\"\(system)\",db_operation_name=\"create products\",outcome=\"ok\"}"]
                    == 1)
            if kind == .postgres {
                #expect(samples["\(MetricNames.databaseMaxConnections)"] == 20)
                // The payment processor's poll may hold a connection at the moment of the scrape.
                #expect((0...20).contains(samples["\(MetricNames.databaseConnections){state=\"used\"}"] ?? -1))
                // At most the payment processor's poll, the one other user of the pool, can be waiting.
                #expect((0...1).contains(samples["\(MetricNames.databasePending)"] ?? -1))
                #expect((samples["\(MetricNames.databaseWait)_count"] ?? 0) >= 4)
            }
        }
    }

    @Test func processAndBuildSeriesAreExposed() async throws {
        try await TestApp.run(configure: { $0.buildCommit = "abc1234" }) { client in
            let samples = try await Self.scrape(client)
            #expect(samples["shop_api_build_info{version=\"0.1.0\",commit=\"abc1234\"}"] == 1)
            #expect((samples["process_resident_memory_bytes"] ?? 0) > 1_000_000)
            #expect((samples["process_open_fds"] ?? 0) >= 3)
            #expect((samples["process_cpu_seconds_total"] ?? 0) > 0)
            let started = try #require(samples["process_start_time_seconds"])
            #expect(abs(started - Date().timeIntervalSince1970) < 24 * 3600, "start time \(started)")
        }
    }

    /// An SLO on payment errors or order outcomes has a series from the start, at 0: its ratio reads 0
    /// rather than no data, and its absent alert stays quiet on a healthy start with no traffic yet.
    @Test func outcomeCountersExistAtZeroBeforeTheFirstEvent() async throws {
        try await TestApp.run { client in
            let samples = try await Self.scrape(client)
            for outcome in ShopMetrics.PaymentOutcome.allCases {
                #expect(samples["shop_payments_total{outcome=\"\(outcome.rawValue)\"}"] == 0, "\(outcome)")
            }
            for outcome in ShopMetrics.OrderOutcome.allCases {
                #expect(samples["shop_orders_placed_total{outcome=\"\(outcome.rawValue)\"}"] == 0, "\(outcome)")
            }
            #expect(samples["shop_stock_reservations_total{result=\"insufficient\"}"] == 0)
        }
    }

    @Test func unknownPathsAndMethodsCannotGrowTheSeries() async throws {
        let methods: [HTTPRequest.Method] = [
            .get, .post, .put, .delete, .patch, .options, .head, .init("BREW")!, .init("PROPFIND")!, .init("X-\(UUID().uuidString.prefix(8))")!,
        ]
        try await TestApp.run { client in
            for method in methods { _ = try await client.execute(uri: "/warm-up", method: method) }
            // The HTTP request series, less the scrapes themselves (database series move with background work).
            func requestSeries(_ samples: [String: Double]) -> Set<String> {
                Set(samples.keys.filter { $0.hasPrefix(MetricNames.requestDuration.name) && !$0.contains("http_route=\"/metrics\"") })
            }
            let before = requestSeries(try await Self.scrape(client))
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<10_000 {
                let path =
                    "/"
                    + (0..<Int.random(in: 1...4, using: &generator)).map { _ in
                        String(UInt64.random(in: 0...UInt64.max, using: &generator), radix: 36)
                    }.joined(separator: "/")
                _ = try await client.execute(uri: path, method: methods.randomElement(using: &generator)!)
            }
            let after = try await Self.scrape(client)
            let grown = requestSeries(after).symmetricDifference(before)
            #expect(grown.isEmpty, "series changed: \(grown.sorted().prefix(5))")
            #expect(before.count > 10)
            let unmatched = after.filter { $0.key.hasPrefix("http_server_request_duration_seconds_count") && $0.key.contains("unmatched") }.values
                .reduce(0, +)
            #expect(unmatched == Double(10_000 + methods.count))
        }
    }

    @Test func openMetricsIsServedWhenAsked() async throws {
        try await TestApp.run { client in
            let response = try await client.execute(
                uri: "/metrics", method: .get, headers: [.accept: "application/openmetrics-text; version=1.0.0,text/plain;q=0.5"])
            #expect(response.headers[.contentType] == MetricsExposition.openMetricsContentType)
            #expect(String(buffer: response.body).hasSuffix("# EOF\n"))
            let plain = try await client.execute(uri: "/metrics", method: .get)
            #expect(plain.headers[.contentType] == MetricsExposition.prometheusContentType)
            #expect(!String(buffer: plain.body).contains("# EOF"))
        }
    }

    @Test func openMetricsNamesACounterFamilyWithoutItsTotalSuffix() {
        let text = """
            # HELP orders_created_total Orders placed
            # TYPE orders_created_total counter
            orders_created_total{outcome="ok"} 3
            # TYPE open_connections gauge
            open_connections 2
            """
        #expect(
            MetricsExposition.openMetrics(fromPrometheusText: text) == """
                # HELP orders_created Orders placed
                # TYPE orders_created counter
                orders_created_total{outcome="ok"} 3
                # TYPE open_connections gauge
                open_connections 2
                # EOF

                """)
    }

    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func promtoolFindsNothingToSay() async throws {
        let promtool = try #require(TestTools.promtool, "promtool is required in CI")
        try await TestApp.run { client in
            _ = try await client.send(.get, "/v1/products/SKU-00001")
            _ = try await client.send(.get, "/nope")
            let exposition = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let (status, output) = try await TestTools.run(promtool, ["check", "metrics"], input: exposition)
            #expect(status == 0)
            #expect(output.isEmpty, "promtool said: \(output)")
        }
    }
}
