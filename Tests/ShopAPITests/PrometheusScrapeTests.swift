import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ShopAPI
import ShopAPITestSupport
import ShopTestSupport
import Testing

/// A real Prometheus scrapes a live shop-api, and its query API shows what the test caused.
@Suite("Prometheus scrape")
struct PrometheusScrapeTests {
    @Test(.enabled(if: TestTools.prometheus != nil || TestPostgres.inCI, "prometheus (Debian) is not installed"))
    func prometheusScrapesTheServiceAndSeesTheRequestsMade() async throws {
        let prometheus = try #require(TestTools.prometheus, "prometheus is required in CI")
        try await withTemporaryDirectory { directory in
            try await buildApplication(TestApp.configuration(dataDirectory: directory)).test(.live) { client in
                let appPort = try #require(client.port)
                for _ in 0..<7 { _ = try await client.execute(uri: "/v1/products/SKU-00003", method: .get) }

                try await TestPrometheus.run(prometheus, scraping: appPort, in: directory) { port in
                    let requests = "http_server_request_duration_seconds_count{http_route=\"/v1/products/{sku}\",http_response_status_code=\"200\"}"
                    var up: String?
                    var counted: String?
                    let deadline = ContinuousClock.now.advanced(by: .seconds(30))
                    while ContinuousClock.now < deadline, up != "1" || counted != "7" {
                        try await Task.sleep(for: .milliseconds(250))
                        up = try? await TestPrometheus.query("up{job=\"shop-api\"}", port: port)
                        counted = try? await TestPrometheus.query(requests, port: port)
                    }
                    #expect(up == "1", "the target is not up")
                    #expect(counted == "7", "Prometheus sees \(counted ?? "nothing") for \(requests)")
                }
            }
        }
    }

    /// A sampled request's trace id reaches Prometheus as an exemplar on the bucket its duration fell in,
    /// so Grafana can link a slow bucket to the trace.
    @Test(.enabled(if: TestTools.prometheus != nil || TestPostgres.inCI, "prometheus (Debian) is not installed"))
    func prometheusStoresTheTraceOfARequestAsAnExemplar() async throws {
        let prometheus = try #require(TestTools.prometheus, "prometheus is required in CI")
        _ = try await TestTracing.shared.value  // the process's tracer records, so the request's span is sampled
        let traceID = "5c2a7e4b9d1f4e3a8b6c0d2e4f6a8b0c"
        try await withTemporaryDirectory { directory in
            try await buildApplication(TestApp.configuration(dataDirectory: directory)).test(.live) { client in
                let appPort = try #require(client.port)
                let traced: HTTPFields = [HTTPField.Name("traceparent")!: "00-\(traceID)-00f067aa0ba902b7-01"]
                #expect(try await client.execute(uri: "/v1/products/SKU-00004", method: .get, headers: traced).status == .ok)
                // An unsampled caller's trace is not recorded, so it is no exemplar.
                let unsampled: HTTPFields = [HTTPField.Name("traceparent")!: "00-0000000000000000000000000000dead-00f067aa0ba902b7-00"]
                _ = try await client.execute(uri: "/v1/products/SKU-00005", method: .get, headers: unsampled)

                let openMetrics = try await client.execute(
                    uri: "/metrics", method: .get, headers: [.accept: "application/openmetrics-text; version=1.0.0"])
                let text = String(buffer: openMetrics.body)
                let line = try #require(
                    text.split(separator: "\n").first { $0.contains(#"http_route="/v1/products/{sku}""#) && $0.contains("trace_id") },
                    "no exemplar in:\n\(text.prefix(3000))")
                #expect(line.contains(#"# {trace_id="\#(traceID)",span_id=""#))
                #expect(!text.contains("dead"))
                let plain = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                #expect(!plain.contains("trace_id") && plain.contains("http_server_request_duration_seconds_bucket"))

                try await TestPrometheus.run(prometheus, scraping: appPort, in: directory, flags: ["--enable-feature=exemplar-storage"]) { port in
                    var traces: [String] = []
                    let deadline = ContinuousClock.now.advanced(by: .seconds(30))
                    while ContinuousClock.now < deadline, !traces.contains(traceID) {
                        try await Task.sleep(for: .milliseconds(250))
                        traces = (try? await Self.exemplarTraceIDs("http_server_request_duration_seconds_bucket", port: port)) ?? []
                    }
                    #expect(traces.contains(traceID), "Prometheus holds exemplars for \(traces)")
                    #expect(!traces.contains("0000000000000000000000000000dead"))
                }
            }
        }
    }

    /// The `trace_id` labels of the exemplars Prometheus stores for `promQL` over the last five minutes.
    static func exemplarTraceIDs(_ promQL: String, port: Int) async throws -> [String] {
        let now = Date().timeIntervalSince1970
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query_exemplars")!
        components.queryItems = [
            URLQueryItem(name: "query", value: promQL), URLQueryItem(name: "start", value: "\(now - 300)"),
            URLQueryItem(name: "end", value: "\(now + 60)"),
        ]
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: components.string!), timeout: .seconds(2))
        let json = try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 20))) as? [String: Any]
        let series = json?["data"] as? [[String: Any]] ?? []
        return series.flatMap { ($0["exemplars"] as? [[String: Any]] ?? []).compactMap { ($0["labels"] as? [String: String])?["trace_id"] } }
    }

    @Test func metricsCanMoveToAnAdminPortOffThePublicOne() async throws {
        let adminPort = try TestTools.freePort()
        try await withTemporaryDirectory { directory in
            var configuration = TestApp.configuration(dataDirectory: directory)
            configuration.metricsPort = adminPort
            try await buildApplication(configuration).test(.live) { client in
                _ = try await client.execute(uri: "/v1/products/SKU-00001", method: .get)
                #expect(try await client.execute(uri: "/metrics", method: .get).status == .notFound)
                var admin: HTTPClientResponse?
                for _ in 0..<50 where admin == nil {
                    admin = try? await HTTPClient.shared.execute(
                        HTTPClientRequest(url: "http://127.0.0.1:\(adminPort)/metrics"), timeout: .seconds(2))
                    if admin == nil { try await Task.sleep(for: .milliseconds(50)) }
                }
                let response = try #require(admin)
                #expect(response.status == .ok)
                let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
                #expect(text.contains("http_route=\"/v1/products/{sku}\",http_response_status_code=\"200\""))
            }
        }
    }
}
