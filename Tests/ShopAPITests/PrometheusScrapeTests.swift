import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import ShopAPI
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

                let port = try TestTools.freePort()
                let config = directory + "/prometheus.yml"
                try """
                    global: { scrape_interval: 1s }
                    scrape_configs:
                      - job_name: shop-api
                        static_configs: [{ targets: ["127.0.0.1:\(appPort)"] }]
                    """.write(toFile: config, atomically: true, encoding: .utf8)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: prometheus)
                process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(directory)/tsdb", "--web.listen-address=127.0.0.1:\(port)"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try await TestTools.whileRunning(process) {
                    let requests = "http_server_request_duration_seconds_count{http_route=\"/v1/products/{sku}\",http_response_status_code=\"200\"}"
                    var up: String?
                    var counted: String?
                    let deadline = ContinuousClock.now.advanced(by: .seconds(30))
                    while ContinuousClock.now < deadline, up != "1" || counted != "7" {
                        try await Task.sleep(for: .milliseconds(250))
                        up = try? await Self.query("up{job=\"shop-api\"}", port: port)
                        counted = try? await Self.query(requests, port: port)
                    }
                    #expect(up == "1", "the target is not up")
                    #expect(counted == "7", "Prometheus sees \(counted ?? "nothing") for \(requests)")
                }
            }
        }
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
                    admin = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(adminPort)/metrics"), timeout: .seconds(2))
                    if admin == nil { try await Task.sleep(for: .milliseconds(50)) }
                }
                let response = try #require(admin)
                #expect(response.status == .ok)
                let text = String(buffer: try await response.body.collect(upTo: 1 << 22))
                #expect(text.contains("http_route=\"/v1/products/{sku}\",http_response_status_code=\"200\""))
            }
        }
    }

    /// The value of the first series an instant query returns, as Prometheus's HTTP API writes it.
    static func query(_ promQL: String, port: Int) async throws -> String? {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promQL)]
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: components.string!), timeout: .seconds(2))
        let body = try await response.body.collect(upTo: 1 << 20)
        let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        let result = (json?["data"] as? [String: Any])?["result"] as? [[String: Any]]
        return (result?.first?["value"] as? [Any])?.last as? String
    }
}
