import Foundation
import HTTPTypes
import LoadProfile
import SLOSpec
import ShopContract
import ShopTestSupport
import Testing

/// The SLOs in `slos/` and the rule files generated from them in `alerts/`.
@Suite struct ShippedSLOTests {
    static func shipped() throws -> [ServiceLevelObjective] {
        let folder = TestTools.packageRoot + "/slos"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted().map { name in
            ("slos/" + name, try String(contentsOfFile: folder + "/" + name, encoding: .utf8))
        }
        return try SLOSpecs.parse(files: files)
    }

    @Test func theShippedObjectives() throws {
        let slos = try Self.shipped()
        let objectives = Dictionary(uniqueKeysWithValues: slos.map { ($0.name, $0.objective) })
        #expect(
            objectives == [
                "order-placement-availability": 0.999, "order-placement-latency": 0.99, "read-availability": 0.9995,
                "read-latency": 0.95, "payment-success": 0.995, "sign-in-availability": 0.999,
            ])
        #expect(slos.allSatisfy { $0.period == .rolling(30 * 86_400) && $0.service == "shop-api" })
        let latency = try #require(slos.first { $0.name == "order-placement-latency" })
        #expect(latency.indicator == .latency(HTTPRoutes(method: "POST", templates: ["/v1/orders"]), threshold: 0.3))
    }

    /// A route an SLO names that the API does not serve would be an SLI of no requests.
    @Test func everyRouteIsOneTheAPIServes() throws {
        let served = Set(APIRoute.allCases.map { "\($0.method.rawValue) \($0.template)" })
        for slo in try Self.shipped() {
            switch slo.indicator {
            case .availability(let routes), .latency(let routes, _):
                for template in routes.templates {
                    #expect(served.contains("\(routes.method) \(template)"), "\(slo.name): \(routes.method) \(template)")
                }
            case .ratio: continue
            }
        }
    }

    /// The on-call who is paged opens the alert's runbook: one per alert, with every section.
    @Test func everyAlertHasARunbook() throws {
        for slo in try Self.shipped() {
            #expect(slo.runbookURL == "runbooks/\(slo.alertName).md")
            let text = try String(contentsOfFile: TestTools.packageRoot + "/" + slo.runbookURL, encoding: .utf8)
            #expect(text.hasPrefix("# \(slo.alertName)\n"))
            #expect(text.contains("`\(slo.name)`"))
            for section in [
                "## What fired", "## Customers", "## Look first", "## Likely causes", "## Mitigate", "## Escalate",
                "## If \(slo.absentAlertName) fired",
            ] {
                #expect(text.contains(section), "\(slo.runbookURL) has no \(section)")
            }
        }
    }

    /// The committed rule files and tests are what the generator makes of the committed specs.
    @Test func alertsFolderMatchesTheGenerator() throws {
        for slo in try Self.shipped() {
            let rules = try String(contentsOfFile: TestTools.packageRoot + "/alerts/" + PrometheusRules.fileName(slo), encoding: .utf8)
            #expect(rules == PrometheusRules.file(slo), "alerts/\(PrometheusRules.fileName(slo)) is out of date: run shop-slo rules")
            for (name, text) in try RuleTests.files(slo) {
                let committed = try String(contentsOfFile: TestTools.packageRoot + "/alerts/tests/" + name, encoding: .utf8)
                #expect(committed == text, "alerts/tests/\(name) is out of date: run shop-slo rules")
            }
        }
    }

    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func promtoolChecksTheRulesClean() async throws {
        let promtool = try #require(TestTools.promtool)
        let files = try Self.shipped().map { TestTools.packageRoot + "/alerts/" + PrometheusRules.fileName($0) }
        let (status, output) = try await TestTools.run(promtool, ["check", "rules"] + files)
        #expect(status == 0, "\(output)")
        #expect(!output.contains("WARNING"), "\(output)")
    }

    /// Every alert fires at the minute BRIEF §3 gives after a step in errors, not at a burn of 1× on the
    /// page windows nor at a trickle of traffic, and resets within its short window, and the period's
    /// recorded rates equal raw ones: Prometheus's own rule engine on the generated files.
    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func promtoolUnitTestsPass() async throws {
        let promtool = try #require(TestTools.promtool)
        let folder = TestTools.packageRoot + "/alerts/tests"
        let tests = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".test.yaml") }.sorted()
        #expect(tests.count == 3 * (try Self.shipped().count), "page, ticket and period tests for each SLO")
        let (status, output) = try await TestTools.run(promtool, ["test", "rules"] + tests.map { folder + "/" + $0 })
        #expect(status == 0, "\(output)")
        #expect(output.components(separatedBy: "SUCCESS").count - 1 == tests.count, "\(output)")
    }
}
