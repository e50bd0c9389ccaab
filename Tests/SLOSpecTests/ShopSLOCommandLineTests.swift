import Foundation
import ShopTestSupport
import Testing
import Yams

/// The real `shop-slo` executable: bad input gets one line on standard error and exit status 1.
@Suite struct ShopSLOCommandLineTests {
    static let executable = TestTools.packageRoot + "/.build/debug/shop-slo"

    @Test(arguments: [
        (["rules", "--specs", "/nonexistent/slos"], "shop-slo: /nonexistent/slos: no such file or folder"),
        (["eval"], "shop-slo: give --prometheus URL or --load RESULT.json (one of them)"),
        (["eval", "--prometheus", "127.0.0.1:9090"], "shop-slo: --prometheus must be an http:// URL, such as http://127.0.0.1:9090"),
        (["eval", "--load", "/nonexistent.json"], "shop-slo: /nonexistent.json: cannot read the file"),
        (
            ["eval", "--load", "/nonexistent.json", "--slo", "nope"],
            "shop-slo: no SLO named nope (there are payment-success, order-placement-availability, order-placement-latency, read-availability, read-latency, sign-in-availability)"
        ),
        (["alert", "--interval", "soon"], "shop-slo: --interval soon is not a duration of a second or more"),
        (["alert", "--resend", "1s", "--interval", "5s"], "shop-slo: --resend 1s must be a duration no shorter than --interval"),
        (["rules", "--check", "--format", "k8s"], "shop-slo: --format must be rules or prometheus-operator, not k8s"),
        (["rules", "--check", "--period-window", "omitted"], "shop-slo: --period-window must be recorded or raw, not omitted"),
        (["rules", "--check", "--label", "team"], "shop-slo: --label team: write name=value (team=shop)"),
        (["rules", "--check", "--label", "severity=low"], "shop-slo: --label severity: is set by shop-slo on every alert"),
        (["rules", "--check", "--label", "9lives=yes"], "shop-slo: --label 9lives: is not a Prometheus label name (letters, digits and _)"),
    ])
    func badInputIsOneLine(arguments: [String], expected: String) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build shop-slo first (swift build)")
        let (status, output) = try await TestTools.run(
            "/bin/sh", ["-c", "cd \(TestTools.packageRoot) && exec \(Self.executable) \"$@\"", "sh"] + arguments)
        #expect(status == 1)
        #expect(output == expected + "\n")
    }

    /// Prometheus not answering is a run error of one line too, after the client's deadline, never a hang.
    @Test func anUnreachablePrometheusIsOneLine() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build shop-slo first (swift build)")
        let port = try TestTools.freePort()
        let (status, output) = try await TestTools.run(
            "/bin/sh", ["-c", "cd \(TestTools.packageRoot) && exec \(Self.executable) eval --prometheus http://127.0.0.1:\(port)"])
        #expect(status == 1)
        #expect(output.hasPrefix("shop-slo: cannot reach Prometheus at http://127.0.0.1:\(port): "), "\(output)")
        #expect(output.split(separator: "\n").count == 1, "\(output)")
    }

    /// `--period-window raw`: the period's rates as a raw `rate` over it, and no period test (it would
    /// compare the raw form with itself); the default makes them of the step's rates and tests that.
    @Test func thePeriodWindowFlagPicksTheRawForm() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build shop-slo first (swift build)")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("period-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (status, output) = try await TestTools.run(
            "/bin/sh", ["-c", "cd \(TestTools.packageRoot) && exec \(Self.executable) rules --period-window raw --out \(out)"])
        #expect(status == 0, "\(output)")
        let rules = try String(contentsOfFile: out + "/payment-success.rules.yaml", encoding: .utf8)
        #expect(rules.contains(#"expr: 'sum(rate(shop_payments_total{outcome=~"captured|declined|error"}[30d]))'"#))
        #expect(!rules.contains("[30d:1h]"))
        #expect(!FileManager.default.fileExists(atPath: out + "/tests/payment-success.period.test.yaml"))
        #expect(FileManager.default.fileExists(atPath: out + "/tests/payment-success.page.test.yaml"))
        let shipped = try String(contentsOfFile: TestTools.packageRoot + "/alerts/payment-success.rules.yaml", encoding: .utf8)
        #expect(shipped.contains(#"expr: 'avg_over_time(slo:sli_total:rate1h{slo="payment-success"}[30d:1h])'"#))
    }

    /// `--format prometheus-operator --label team=shop`: PrometheusRule resources with the same groups,
    /// the label on every alert and on the resource, and the plain rules beside their tests, which pass.
    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func prometheusOperatorResourcesWithRoutingLabels() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build shop-slo first (swift build)")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("operator-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let (status, output) = try await TestTools.run(
            "/bin/sh",
            ["-c", "cd \(TestTools.packageRoot) && exec \(Self.executable) rules --format prometheus-operator --label team=shop --out \(out)"])
        #expect(status == 0, "\(output)")
        let resources = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".prometheusrule.yaml") }.sorted()
        let shipped = try ShippedSLOTests.shipped().count
        #expect(resources.count == shipped, "one resource per shipped SLO")
        let text = try String(contentsOfFile: out + "/payment-success.prometheusrule.yaml", encoding: .utf8)
        let resource = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(resource["apiVersion"] as? String == "monitoring.coreos.com/v1" && resource["kind"] as? String == "PrometheusRule")
        let metadata = try #require(resource["metadata"] as? [String: Any])
        #expect(metadata["name"] as? String == "slo-payment-success")
        #expect((metadata["labels"] as? [String: String])?["team"] == "shop")
        let groups = try #require((resource["spec"] as? [String: Any])?["groups"] as? [[String: Any]])
        let plain = try #require(
            try Yams.load(yaml: try String(contentsOfFile: out + "/tests/payment-success.rules.yaml", encoding: .utf8)) as? [String: Any])
        #expect(NSArray(array: groups).isEqual(to: plain["groups"] as? [Any] ?? []), "the resource and the plain rules hold the same groups")
        let alerts = (groups.first?["rules"] as? [[String: Any]] ?? []).filter { $0["alert"] != nil }
        #expect(alerts.count == 3 && alerts.allSatisfy { ($0["labels"] as? [String: String])?["team"] == "shop" })
        let promtool = try #require(TestTools.promtool)
        let tests = try FileManager.default.contentsOfDirectory(atPath: out + "/tests").filter { $0.hasSuffix(".test.yaml") }.sorted().map {
            out + "/tests/" + $0
        }
        let (passed, report) = try await TestTools.run(promtool, ["test", "rules"] + tests)
        #expect(passed == 0, "\(report)")
    }
}
