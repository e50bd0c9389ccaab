import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import NIOFoundationCompat
import SLOAdapters
import SLOSpec
import ShopAPI
import ShopAPITestSupport
import ShopDomain
import ShopTestSupport
import Testing

/// `shop-slo alert` end to end, with the real parts: a live shop-api, Debian's Prometheus scraping it every
/// second with the generated rules loaded, Debian's Alertmanager, and the alerter's own executable. The SLO
/// has a one-day period, so its windows shrink thirty-fold to whole minutes (the fast page: 14.4× over 2
/// minutes and 1 minute) and the test runs in about two minutes.
@Suite("Burn-rate alerter")
struct BurnRateAlerterTests {
    static let spec = """
        service: shop-api
        slos:
          - name: product-page-availability
            displayName: Product page availability
            objective: 99%
            period: 1d
            minimumRequests: 20
            indicator:
              availability: {method: GET, routes: ['/v1/products/{sku}']}
        """
    static let alertName = "ProductPageAvailabilityBudgetBurn"

    @Test(
        .enabled(
            if: (TestTools.prometheus != nil && TestTools.find("prometheus-alertmanager") != nil) || TestPostgres.inCI,
            "prometheus and prometheus-alertmanager (Debian) are not installed"))
    func pagesThroughAlertmanagerWhileErrorsBurnAndResolvesAfter() async throws {
        let prometheus = try #require(TestTools.prometheus, "prometheus is required in CI")
        let alertmanager = try #require(TestTools.find("prometheus-alertmanager"), "prometheus-alertmanager is required in CI")
        let shopSLO = TestTools.packageRoot + "/.build/debug/shop-slo"
        try #require(FileManager.default.isExecutableFile(atPath: shopSLO), "build shop-slo first (swift build)")
        try await withTemporaryDirectory { directory in
            try await buildApplication(TestApp.configuration(dataDirectory: directory)).test(.live) { client in
                let appPort = try #require(client.port)
                let admin = try await TestApp.token("ops", .admin)
                let slo = try #require(try SLOSpecs.parse(files: [("spec.yaml", Self.spec)]).first)
                try Self.spec.write(toFile: directory + "/spec.yaml", atomically: true, encoding: .utf8)
                try PrometheusRules.file(slo).write(toFile: directory + "/rules.yaml", atomically: true, encoding: .utf8)
                let (prometheusPort, alertmanagerPort, alerterPort) = (try TestTools.freePort(), try TestTools.freePort(), try TestTools.freePort())

                // The alerter starts first, with neither Prometheus nor Alertmanager up: it must say so and carry on.
                let alerterLog = directory + "/alerter.log"
                FileManager.default.createFile(atPath: alerterLog, contents: nil)
                let alerter = Process()
                alerter.executableURL = URL(fileURLWithPath: shopSLO)
                alerter.arguments = [
                    "alert", "--specs", directory + "/spec.yaml", "--prometheus", "http://127.0.0.1:\(prometheusPort)",
                    "--alertmanager", "http://127.0.0.1:\(alertmanagerPort)", "--interval", "1s", "--resend", "3s", "--port", "\(alerterPort)",
                ]
                alerter.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: alerterLog))
                alerter.standardError = alerter.standardOutput
                let log = { (try? String(contentsOfFile: alerterLog, encoding: .utf8)) ?? "" }
                try await TestTools.whileRunning(alerter) {
                    #expect(await Self.eventually(seconds: 20) { log().contains("cannot evaluate SLO") }, "alerter log: \(log())")
                    #expect(alerter.isRunning)

                    try """
                    global: { scrape_interval: 1s, evaluation_interval: 1s }
                    rule_files: [\(directory)/rules.yaml]
                    scrape_configs:
                      - job_name: shop-api
                        static_configs: [{ targets: ["127.0.0.1:\(appPort)"] }]
                    """.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
                    let server = Process()
                    server.executableURL = URL(fileURLWithPath: prometheus)
                    server.arguments = [
                        "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/tsdb",
                        "--web.listen-address=127.0.0.1:\(prometheusPort)",
                    ]
                    server.standardOutput = FileHandle.nullDevice
                    server.standardError = FileHandle.nullDevice
                    try await TestTools.whileRunning(server) {
                        // Steady good traffic, 40 requests a second, for the whole test.
                        let traffic = Task {
                            while !Task.isCancelled {
                                _ = try? await client.execute(uri: "/v1/products/SKU-00003", method: .get)
                                try? await Task.sleep(for: .milliseconds(25))
                            }
                        }
                        defer { traffic.cancel() }
                        #expect(
                            await Self.eventually(seconds: 30) {
                                (try? await TestPrometheus.query("slo:sli_total:rate1m{slo=\"product-page-availability\"}", port: prometheusPort))
                                    != nil
                            }, "Prometheus never recorded the SLI from the generated rules")
                        try await Task.sleep(for: .seconds(10))

                        // Every product page fails: the page fires while Alertmanager is still down, and the
                        // alerter keeps trying.
                        #expect(
                            try await client.send(
                                .put, "/v1/admin/faults", token: admin, json: #"{"routes":{"/v1/products/{sku}":{"error_ratio":1}}}"#
                            ).status == .ok)
                        #expect(
                            await Self.eventually(seconds: 30) { log().contains("alert firing") && log().contains("cannot notify Alertmanager") },
                            "alerter log: \(log())")

                        try """
                        route: { receiver: quiet, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
                        receivers: [{ name: quiet }]
                        """.write(toFile: directory + "/alertmanager.yml", atomically: true, encoding: .utf8)
                        let manager = Process()
                        manager.executableURL = URL(fileURLWithPath: alertmanager)
                        manager.arguments = [
                            "--config.file=\(directory)/alertmanager.yml", "--storage.path=\(directory)/alertmanager",
                            "--web.listen-address=127.0.0.1:\(alertmanagerPort)", "--cluster.listen-address=",
                        ]
                        manager.standardOutput = FileHandle.nullDevice
                        manager.standardError = FileHandle.nullDevice
                        try await TestTools.whileRunning(manager) {
                            var pages: [[String: Any]] = []
                            #expect(
                                await Self.eventually(seconds: 30) {
                                    pages = await Self.alerts(port: alertmanagerPort).filter {
                                        ($0["labels"] as? [String: String])?["severity"] == "page"
                                    }
                                    return !pages.isEmpty
                                }, "no page reached Alertmanager; alerter log: \(log())")
                            let page = try #require(pages.first)
                            let labels = page["labels"] as? [String: String] ?? [:]
                            #expect(
                                labels == [
                                    "alertname": Self.alertName, "severity": "page", "slo": "product-page-availability", "service": "shop-api",
                                ])
                            let annotations = page["annotations"] as? [String: String] ?? [:]
                            #expect(annotations["runbook_url"] == "runbooks/\(Self.alertName).md")
                            #expect(annotations["description"]?.hasPrefix("Burning the error budget at ") == true, "\(annotations)")
                            #expect((page["generatorURL"] as? String)?.hasPrefix("http://127.0.0.1:\(prometheusPort)/graph?g0.expr=") == true)

                            // Resent every 3 s while firing: still one alert, same start.
                            let startsAt = page["startsAt"] as? String
                            try await Task.sleep(for: .seconds(7))
                            let again = await Self.alerts(port: alertmanagerPort).filter {
                                ($0["labels"] as? [String: String])?["severity"] == "page"
                            }
                            #expect(again.count == 1)
                            #expect(again.first?["startsAt"] as? String == startsAt)

                            // The evaluator sees the same, and the alerter's own metrics say so.
                            let (status, report) = try await TestTools.run(
                                shopSLO, ["eval", "--specs", directory + "/spec.yaml", "--prometheus", "http://127.0.0.1:\(prometheusPort)"])
                            #expect(status == 0, "\(report)")
                            #expect(report.contains("firing   page"), "\(report)")
                            // Every count of a report is read at one pinned instant: as of an hour ago, before
                            // Prometheus held a sample, there was no traffic; as of now, the errors and the page.
                            let source = PrometheusSource(api: PrometheusAPI(baseURL: "http://127.0.0.1:\(prometheusPort)"))
                            let past = try await source.report(slo, now: Date(timeIntervalSinceNow: -3_600))
                            let present = try await source.report(slo, now: Date())
                            #expect(past.requests == 0 && past.firing.isEmpty)
                            #expect(present.requests > 0 && present.badRequests > 0 && present.firing.contains { $0.severity == "page" })
                            let metrics = try await HTTPClient.shared.execute(
                                HTTPClientRequest(url: "http://127.0.0.1:\(alerterPort)/metrics"), timeout: .seconds(2))
                            let exposition = String(buffer: try await metrics.body.collect(upTo: 1 << 20))
                            #expect(
                                exposition.contains(#"shop_slo_alert_active{slo="product-page-availability",severity="page"} 1"#), "\(exposition)")
                            #expect(exposition.contains(#"shop_slo_notifications_total{outcome="failed"}"#), "\(exposition)")

                            // Errors stop: within the longest short page window (1 min) and a few scrapes the
                            // page resolves, and Alertmanager no longer lists it.
                            #expect(try await client.send(.put, "/v1/admin/faults", token: admin, json: "{}").status == .ok)
                            let stopped = ContinuousClock.now
                            #expect(
                                await Self.eventually(seconds: 120) {
                                    await Self.alerts(port: alertmanagerPort).allSatisfy {
                                        ($0["labels"] as? [String: String])?["severity"] != "page"
                                    }
                                }, "the page never resolved; alerter log: \(log())")
                            #expect(ContinuousClock.now - stopped < .seconds(100))
                            // Logged before the resolution is posted, but written out by the log's flusher (every 100 ms).
                            #expect(await Self.eventually(seconds: 10) { log().contains("alert resolved") }, "alerter log: \(log())")
                        }
                    }
                    #expect(alerter.isRunning, "the alerter must ride out every outage")
                }
            }
        }
    }

    /// Alertmanager's active alerts for the test's alert name.
    static func alerts(port: Int) async -> [[String: Any]] {
        let url =
            "http://127.0.0.1:\(port)/api/v2/alerts?filter=" + "alertname=\"\(alertName)\"".addingPercentEncoding(
                withAllowedCharacters: .alphanumerics)!
        guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2)),
            let body = try? await response.body.collect(upTo: 1 << 20),
            let list = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [[String: Any]]
        else { return [] }
        return list
    }

    static func eventually(seconds: Double, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return await condition()
    }
}
