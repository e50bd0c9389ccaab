import Foundation
import SLOSpec
import ShopSupport
import ShopTestSupport
import Testing
import Yams

/// Whatever text a spec carries (descriptions of several lines, quotes, tabs, any script) comes out of
/// `rules` as valid YAML that reads back as written.
@Suite struct RuleTextTests {
    static let awkwardName = "Orders \"placed\"\tby 'everyone' — 注文 ✓"
    static let spec = """
        service: shop-api
        slos:
          - name: orders
            displayName: "Orders \\"placed\\"\\tby 'everyone' — 注文 ✓"
            description: |
              First line: the order's path.
              groups: [] # not YAML here, only text
                - indented: too
            objective: 99.9%
            indicator:
              availability: {method: POST, routes: [/v1/orders]}
        """

    static func rules() throws -> String {
        let slo = try #require(try SLOSpecs.parse(files: [("slos/awkward.yaml", spec)]).first)
        #expect(slo.displayName == awkwardName)
        #expect(slo.description.contains("\n"))
        return PrometheusRules.file(slo)
    }

    @Test func aDescriptionOfSeveralLinesStaysAComment() throws {
        let text = try Self.rules()
        let header = text.split(separator: "\n").prefix { !$0.hasPrefix("groups:") }
        #expect(header.count >= 4)
        #expect(header.allSatisfy { $0.hasPrefix("#") }, "\(header)")
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect((document["groups"] as? [Any])?.count == 1)
    }

    @Test func quotesTabsAndAnyScriptReadBackAsWritten() throws {
        let document = try #require(try Yams.load(yaml: try Self.rules()) as? [String: Any])
        let rules = try #require(((document["groups"] as? [[String: Any]])?.first?["rules"]) as? [[String: Any]])
        let summaries = rules.compactMap { ($0["annotations"] as? [String: String])?["summary"] }
        #expect(summaries.count == 3)
        #expect(summaries.filter { $0.hasPrefix(Self.awkwardName + " is spending") }.count == 2, "\(summaries)")
        #expect(summaries.contains { $0.hasPrefix(Self.awkwardName + " cannot be measured") }, "\(summaries)")
    }

    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func promtoolReadsIt() async throws {
        let promtool = try #require(TestTools.promtool)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("awkward-\(UUID()).rules.yaml").path
        try Self.rules().write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (status, output) = try await TestTools.run(promtool, ["check", "rules", file])
        #expect(status == 0, "\(output)")
    }

    @Test func durationsPastIntsRangeAreWrittenInDaysNotATrap() {
        #expect(DurationText.exact(1e20) == "1157407407407408d")
        #expect(DurationText.exact(.infinity).hasSuffix("d"))
        #expect(DurationText.exact(.nan) == "0s")
        #expect(DurationText.exact(30 * 86_400) == "30d")
    }

    @Test(arguments: ["1e20", "366d", "inf", "1e400", "-30d"])
    func aPeriodOutsideOneDayToAYearIsOneLine(_ period: String) throws {
        let spec = Self.spec.replacingOccurrences(of: "objective: 99.9%", with: "objective: 99.9%\n    period: \(period)")
        do {
            _ = try SLOSpecs.parse(files: [("slos/awkward.yaml", spec)])
            Issue.record("period \(period) was accepted")
        } catch {
            #expect(error.description.hasPrefix("slos/awkward.yaml: slos[0].period: "), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    /// The test files carry the same text (annotations, and labels a spec adds for routing) and promtool
    /// passes them: the emitter's quoting is what Prometheus reads back.
    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func awkwardTextAndLabelsPassPromtool() async throws {
        let spec = Self.spec.replacingOccurrences(
            of: "service: shop-api\n", with: "service: shop-api\nlabels: {team: \"Shop 'core' \\\"team\\\"\", note: \"line one\\nline two ✓\"}\n")
        let slo = try #require(try SLOSpecs.parse(files: [("slos/awkward.yaml", spec)]).first)
        #expect(slo.labels.keys.sorted() == ["note", "team"] && slo.labels["team"] == "Shop 'core' \"team\"")
        let rules = try #require(try Yams.load(yaml: PrometheusRules.file(slo)) as? [String: Any])
        let alert = try #require((((rules["groups"] as? [[String: Any]])?.first?["rules"]) as? [[String: Any]])?.first { $0["alert"] != nil })
        #expect((alert["labels"] as? [String: String])?["note"] == "line one\nline two ✓")
        try await SpecMatrixTests.promtoolTests(slo)
    }

    /// As a PrometheusRule, labels Kubernetes refuses as metadata (spaces, more than 63 characters, a
    /// leading `_`) stay on the alerts and off the resource, with a note naming them; a name Kubernetes
    /// refuses (any lower-case letter passes the spec, `é` too) is one line, not a resource `kubectl` rejects.
    @Test func aPrometheusRuleHoldsOnlyWhatKubernetesTakes() throws {
        let spec = Self.spec.replacingOccurrences(
            of: "service: shop-api\n",
            with: "service: shop-api\nlabels: {team: shop-core, floor: \"Shop floor\", _tier: one, long: \(String(repeating: "x", count: 64))}\n")
        let slo = try #require(try SLOSpecs.parse(files: [("slos/awkward.yaml", spec)]).first)
        let (files, notes) = try RuleFiles.make([slo], out: "out", format: .prometheusOperator)
        #expect(
            notes == [
                "slos/awkward.yaml: orders: the labels _tier, floor, long are on the alerts but not on the PrometheusRule: Kubernetes takes at most 63 letters, digits, -, _ and . as a label"
            ])
        let file = try #require(files.first { $0.path == "out/orders.prometheusrule.yaml" })
        let resource = try #require(try Yams.load(yaml: file.text) as? [String: Any])
        let metadata = try #require(resource["metadata"] as? [String: Any])
        #expect(metadata["labels"] as? [String: String] == ["slo": "orders", "service": "shop-api", "team": "shop-core"])
        let alert = try #require(
            ((((resource["spec"] as? [String: Any])?["groups"] as? [[String: Any]])?.first?["rules"]) as? [[String: Any]])?.first {
                $0["alert"] != nil
            })
        #expect((alert["labels"] as? [String: String])?["floor"] == "Shop floor")

        let accented = try #require(
            try SLOSpecs.parse(files: [("slos/awkward.yaml", Self.spec.replacingOccurrences(of: "name: orders", with: "name: café"))]).first)
        #expect(throws: RuleFiles.Failure.self) { try RuleFiles.make([accented], out: "out", format: .prometheusOperator) }
        #expect(throws: Never.self) { try RuleFiles.make([accented], out: "out", format: .rules) }
    }
}
