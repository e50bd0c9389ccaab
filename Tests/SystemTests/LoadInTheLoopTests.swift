import Foundation
import LoadReport
import ShopAPITestSupport
import ShopTestSupport
import Testing

/// The real `shop-load` against the real `shop-api` on PostgreSQL, with its run in the loop: its live
/// metrics scraped by a real Prometheus, and runs that stop themselves on a threshold or an SLO's burn.
@Suite("Load tests in the loop", .enabled(if: TestPostgres.enabled, Comment(rawValue: TestPostgres.skipMessage)))
struct LoadInTheLoopTests {
    static let executable = ".build/debug/shop-load"

    /// Runs `shop-load run` with `arguments` against `api`: its exit status, its output and the result it wrote.
    static func run(_ api: ShopAPIProcess, profile: String, in directory: String, _ arguments: [String]) async throws -> (Int32, String, LoadResult) {
        try #require(FileManager.default.isExecutableFile(atPath: executable), "run swift build first (scripts/test does)")
        let file = directory + "/profile.yaml", out = directory + "/result.json"
        try profile.write(toFile: file, atomically: true, encoding: .utf8)
        let (status, output) = try await TestTools.run(
            executable,
            ["run", file, "--target", api.baseURL, "--jwt-secret", ShopAPIProcess.secret, "--out", out, "--progress", "off"] + arguments)
        return (status, output, try ResultFile.read(out))
    }

    /// A shop-api on the database at `url` and a folder, for the length of `body`.
    static func withAPI(_ url: String, extra: [String] = [], _ body: (ShopAPIProcess, String) async throws -> Void) async throws {
        let api = try await ShopAPIProcess(["--database-url", url, "--demo-catalog", "20", "--rate-limits", "off"] + extra)
        let outcome: Result<Void, any Error>
        do {
            try await withTemporaryDirectory { directory in try await body(api, directory) }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await api.stop()
        try outcome.get()
    }

    /// Eight seconds of product reads at exactly 20 a second: 160 requests, each answered 200. Prometheus,
    /// scraping the generator every second, reads the same 160 and the 20/s the profile asked for.
    @Test(.enabled(if: TestTools.prometheus != nil || TestPostgres.inCI, "Prometheus (Debian prometheus) is not installed"))
    func aRealPrometheusScrapesTheRunWhileItGoes() async throws {
        let prometheus = try #require(TestTools.prometheus, "Prometheus is required in CI")
        try await TestPostgres.withFreshDatabase { url in
            try await Self.withAPI(url) { api, directory in
                let metricsPort = try TestTools.freePort()
                try await TestPrometheus.run(prometheus, scraping: metricsPort, in: directory) { prometheusPort in
                    let profile = "name: live\nduration: 8s\nrate: {base: 20}\narrivals: uniform\nmix: {product: 1}\nwindow: 1s\nusers: 5\nspeed: 1\n"
                    let (status, output, result) = try await Self.run(
                        api, profile: profile, in: directory, ["--seed", "7", "--metrics-port", "\(metricsPort)", "--metrics-linger", "3s"])
                    #expect(status == 0, "\(output)")
                    let all = try #require(result.summary.first { $0.endpoint == "all" })
                    #expect(all.completed == 160 && all.codes == ["200": 160], "\(all.codes)")
                    // The generator has gone: its series are stale now, so each is read over the last minute.
                    let read = { (query: String) in try await TestPrometheus.query(query, port: prometheusPort) }
                    #expect(try await read(#"max_over_time(shop_load_requests_total{endpoint="product",code="200"}[1m])"#) == "160")
                    #expect(try await read("max_over_time(shop_load_target_requests_per_second[1m])") == "20")
                    #expect(try await read(#"max_over_time(shop_load_run_info{profile="live",seed="7",shard="0/1"}[1m])"#) == "1")
                    #expect(try await read(#"max_over_time(shop_load_request_duration_seconds_count{endpoint="product"}[1m])"#) == "160")
                    #expect(try await read("max_over_time(shop_load_profile_time_seconds[1m])") == "8")
                }
            }
        }
    }

    /// An hour in 30 seconds, half of it orders; from 10 minutes on every order fails.
    static let failingOrders = """
        name: failing-orders
        duration: 1h
        rate: {base: 40}
        arrivals: uniform
        mix: {product: 1, order: 1}
        window: 1m
        users: 20
        speed: 120
        faults:
          - {at: 10m, set: {routes: {/v1/orders: {error_ratio: 1}}}}
        thresholds: ["error_rate<1%"]
        """

    /// Someone else's spec, not this repository's: orders only, so a debug build's latency cannot stop the run.
    static let orderSLO = """
        service: checkout
        slos:
          - name: orders-available
            objective: 99.9%
            period: 30d
            indicator: {availability: {method: POST, routes: [/v1/orders]}}
        """

    /// `--abort-on page`: the 1-hour and 5-minute page condition (14.4× a 0.1% budget) is reached in the first
    /// minutes of the outage, on the profile's clock, and the run stops there with exit status 4.
    @Test func aRunStopsWhenItsOwnCountsWouldPage() async throws {
        try await TestPostgres.withFreshDatabase { url in
            try await Self.withAPI(url) { api, directory in
                try Self.orderSLO.write(toFile: directory + "/orders.yaml", atomically: true, encoding: .utf8)
                let (status, output, result) = try await Self.run(
                    api, profile: Self.failingOrders, in: directory, ["--slo", directory + "/orders.yaml", "--abort-on", "page"])
                #expect(status == 4, "\(output)")
                let stop = try #require(result.stop, "\(output)")
                #expect(stop.reason == "slo")
                #expect(stop.detail.hasPrefix("orders-available: its page condition held at"), "\(stop.detail)")
                // After the outage began, and long before the end: a suite beside it may slow how soon windows close.
                #expect((600...1_800).contains(stop.profileSeconds), "stopped at \(stop.profileSeconds) s of profile time")
                #expect(result.interrupted && result.clocks.profileEndSeconds < 2_400, "\(result.clocks)")
                #expect(output.contains("STOPPED at"), "\(output)")
                let report = try String(contentsOfFile: directory + "/result.html", encoding: .utf8)
                #expect(report.contains("STOPPED at") && report.contains("orders-available"))
                #expect(result.summary.first { $0.endpoint == "order" }?.codes["500"] ?? 0 > 0, "the injected errors, by code")
                // Stopped mid-outage, the run takes its faults back: orders work again.
                #expect(output.contains("faults cleared, the run having stopped with some set: HTTP 200"), "\(output)")
                let faults = try await TestTools.run("/usr/bin/curl", ["-s", api.baseURL + "/metrics"]).1
                #expect(faults.contains(#"shop_fault_setting{fault="route_error_ratio",http_route="/v1/orders"} 0.0"#), "\(faults)")
            }
        }
    }

    /// `--abort-on-fail`: the error-rate threshold, judged on the counts so far from five minutes on, fails
    /// soon after the outage starts; the run stops with exit status 3.
    @Test func aRunStopsOnAFailedThresholdAfterItsDelay() async throws {
        try await TestPostgres.withFreshDatabase { url in
            try await Self.withAPI(url) { api, directory in
                let (status, output, result) = try await Self.run(
                    api, profile: Self.failingOrders, in: directory, ["--abort-on-fail", "--abort-delay", "5m"])
                #expect(status == 3, "\(output)")
                let stop = try #require(result.stop, "\(output)")
                #expect(stop.reason == "threshold" && stop.detail.hasPrefix("error_rate<1% failed"), "\(stop.detail)")
                // After the outage began, and long before the end: a suite beside it may slow how soon windows close.
                #expect((600...1_800).contains(stop.profileSeconds), "stopped at \(stop.profileSeconds) s of profile time")
                let all = try #require(result.summary.first { $0.endpoint == "all" })
                #expect(all.dropped + all.completed == all.scheduled, "every arrival accounted for: \(all)")
            }
        }
    }

    /// `--sign-in`: five customers registered through the API on the first run and signed in on the second,
    /// with no server secret; their orders are their accounts', and a third of the mix signs in again.
    @Test func aRehearsalSignsItsCustomersInThroughTheAPI() async throws {
        let profile = """
            name: sign-in
            duration: 6s
            rate: {base: 10}
            arrivals: uniform
            mix: {product: 40, order: 30, sign-in: 30}
            users: 5
            window: 2s
            """
        try await TestPostgres.withFreshDatabase { url in
            try await Self.withAPI(url, extra: ["--bcrypt-cost", "4"]) { api, directory in
                let file = directory + "/profile.yaml"
                try profile.write(toFile: file, atomically: true, encoding: .utf8)
                for run in 0..<2 {
                    let out = directory + "/result-\(run).json"
                    let (status, output) = try await TestTools.run(
                        Self.executable, ["run", file, "--target", api.baseURL, "--sign-in", "--out", out, "--progress", "off", "--seed", "7"],
                        environment: ["SHOP_JWT_SECRET": ""])
                    #expect(status == 0, "\(output)")
                    let result = try ResultFile.read(out)
                    let signIns = try #require(result.summary.first { $0.endpoint == "sign-in" }, "\(result.summary.map(\.endpoint))")
                    #expect(signIns.completed > 0 && signIns.codes == ["200": signIns.completed], "\(signIns.codes)")
                    let orders = try #require(result.summary.first { $0.endpoint == "order" })
                    #expect(orders.completed > 0 && orders.codes == ["201": orders.completed], "\(orders.codes)")
                    // The sign-in endpoint is the sign-in SLO's route: its budget is evaluated on the run's own counts.
                    let (evaluated, budget) = try await TestTools.run(
                        ".build/debug/shop-slo", ["eval", "--load", out, "--slo", "sign-in-availability"])
                    #expect(evaluated == 0 && budget.contains("requests \(signIns.completed)  bad 0"), "\(budget)")
                }
                let metrics = try await TestTools.run("/usr/bin/curl", ["-s", api.baseURL + "/metrics"]).1
                #expect(metrics.contains("shop_auth_registrations_total{outcome=\"created\"} 5"), "registered once, on the first run")
                #expect(metrics.contains("shop_auth_sign_ins_total{outcome=\"failed\"} 5"), "the first run's five tries before registering")

                // Without --sign-in the customers have no passwords to sign in with: one line, before the run.
                let (status, output) = try await TestTools.run(
                    Self.executable, ["run", file, "--target", api.baseURL, "--jwt-secret", ShopAPIProcess.secret, "--progress", "off"])
                #expect(
                    status == 1 && output == "shop-load: the profile's mix has sign-in, which needs the customers' accounts: give --sign-in\n",
                    "\(output)")
            }
        }
    }

    /// Two SLOs on orders, one leaving rehearsals out: shop-load's orders (all failing, all marked synthetic)
    /// reach the service's histogram under `synthetic="true"`, a real Prometheus scrapes it, and `shop-slo eval`
    /// charges them to the first SLO's budget only, saying in both what they spent.
    @Test(.enabled(if: TestTools.prometheus != nil || TestPostgres.inCI, "Prometheus (Debian prometheus) is not installed"))
    func rehearsalsSpendOnlyTheBudgetsThatCountThem() async throws {
        let prometheus = try #require(TestTools.prometheus, "Prometheus is required in CI")
        try await TestPostgres.withFreshDatabase { url in
            try await Self.withAPI(url) { api, directory in
                try await TestPrometheus.run(prometheus, scraping: api.port, in: directory) { prometheusPort in
                    let profile = """
                        name: rehearsal
                        duration: 6s
                        rate: {base: 10}
                        arrivals: uniform
                        mix: {order: 1}
                        window: 1s
                        users: 5
                        speed: 1
                        faults:
                          - {at: 0s, set: {routes: {/v1/orders: {error_ratio: 1}}}}
                        """
                    let (status, output, result) = try await Self.run(api, profile: profile, in: directory, [])
                    // The fault is set as the run starts: the first order or two may beat it.
                    let codes = try #require(result.summary.first { $0.endpoint == "order" }?.codes, "\(output)")
                    #expect(codes.values.reduce(0, +) == 60 && codes["500", default: 0] >= 55, "\(codes)")
                    #expect(status == 0 || status == 2)
                    let specs = directory + "/specs"
                    try FileManager.default.createDirectory(atPath: specs, withIntermediateDirectories: true)
                    try """
                    service: checkout
                    slos:
                      - name: orders-counted
                        objective: 99%
                        indicator: {availability: {method: POST, routes: [/v1/orders]}}
                      - name: orders-customers-only
                        objective: 99%
                        excludeSynthetic: true
                        indicator: {availability: {method: POST, routes: [/v1/orders]}}
                    """.write(toFile: specs + "/orders.yaml", atomically: true, encoding: .utf8)
                    // Until two scrapes hold orders: Prometheus's rate over a new counter counts from its first sample, so
                    // the figure is what it saw, not 60; what matters is that both SLOs see the same synthetic figure.
                    var report = ""
                    for _ in 0..<30 {
                        (_, report) = try await TestTools.run(
                            ".build/debug/shop-slo", ["eval", "--specs", specs, "--prometheus", "http://127.0.0.1:\(prometheusPort)"])
                        if report.contains("orders-counted"), !report.contains("no requests: nothing to evaluate\n  synthetic none") { break }
                        try await Task.sleep(for: .seconds(1))
                    }
                    let blocks = report.components(separatedBy: "\n\n")
                    let counted = try #require(blocks.first { $0.hasPrefix("orders-counted") }, "\(report)")
                    let excluded = try #require(blocks.first { $0.hasPrefix("orders-customers-only") }, "\(report)")
                    // Every order was the rehearsal's: what the counted SLO saw is what its synthetic line says they spent.
                    let seen = try #require(counted.firstMatch(of: /requests ([0-9.,]+)  bad ([0-9.,]+)/), "\(counted)")
                    #expect(counted.contains("synthetic \(seen.1) requests, \(seen.2) bad: spent "), "\(counted)")
                    #expect(excluded.contains("no requests: nothing to evaluate"), "\(excluded)")
                    #expect(excluded.contains("synthetic \(seen.1) requests, \(seen.2) bad: left out (excludeSynthetic)"), "\(excluded)")
                }
            }
        }
    }
}
