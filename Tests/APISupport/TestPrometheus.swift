import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import ShopTestSupport

/// A real Prometheus for tests, and its query API.
package enum TestPrometheus {
    /// A real Prometheus on a free port, scraping shop-api at `appPort` every second, for the length of `body`.
    package static func run(
        _ prometheus: String, scraping appPort: Int, in directory: String, flags: [String] = [], _ body: (Int) async throws -> Void
    ) async throws {
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
        process.arguments = ["--config.file=\(config)", "--storage.tsdb.path=\(directory)/tsdb", "--web.listen-address=127.0.0.1:\(port)"] + flags
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try await TestTools.whileRunning(process) { try await body(port) }
    }

    /// The value of the first series an instant query returns, as Prometheus's HTTP API writes it.
    package static func query(_ promQL: String, port: Int) async throws -> String? {
        var components = URLComponents(string: "http://127.0.0.1:\(port)/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: promQL)]
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: components.string!), timeout: .seconds(2))
        let body = try await response.body.collect(upTo: 1 << 20)
        let json = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]
        let result = (json?["data"] as? [String: Any])?["result"] as? [[String: Any]]
        return (result?.first?["value"] as? [Any])?.last as? String
    }
}
