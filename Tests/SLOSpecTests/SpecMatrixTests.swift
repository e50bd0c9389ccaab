import Foundation
import SLOMath
import SLOSpec
import ShopSupport
import ShopTestSupport
import Testing
import Yams

/// Specs written by anyone: every period from a day to a year, objectives from 50% to 99.999%, and
/// selectors with every matcher generate rules and rule tests, which promtool accepts and passes.
/// `scripts/slo-matrix` runs promtool's unit tests on the whole 7 × 7 matrix; here, its corners and middle.
@Suite struct SpecMatrixTests {
    static let periods = ["1d", "7d", "14d", "28d", "30d", "90d", "365d"]
    static let objectives = ["90%", "95%", "99%", "99.5%", "99.9%", "99.99%", "99.999%"]

    static func spec(
        objective: String, period: String, bad: String = #"errors_total{job="api"}"#, total: String = #"requests_total{job="api"}"#
    ) throws -> ServiceLevelObjective {
        let text = """
            service: matrix
            slos:
              - name: matrix
                objective: '\(objective)'
                period: \(period)
                indicator:
                  ratio: {bad: '\(bad)', total: '\(total)'}
            """
        return try #require(try SLOSpecs.parse(files: [("matrix.yaml", text)]).first)
    }

    /// The rule file and both test files, written into a fresh folder as `shop-slo rules` lays them out.
    static func write(_ slo: ServiceLevelObjective) throws -> (rules: String, tests: [String]) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slo-matrix-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder + "/tests", withIntermediateDirectories: true)
        let rules = folder + "/" + PrometheusRules.fileName(slo)
        try PrometheusRules.file(slo).write(toFile: rules, atomically: true, encoding: .utf8)
        var tests: [String] = []
        for (name, text) in try RuleTests.files(slo) {
            tests.append(folder + "/tests/" + name)
            try text.write(toFile: tests.last!, atomically: true, encoding: .utf8)
        }
        return (rules, tests)
    }

    /// The generator's own check never refuses a valid spec: every whole day up to 45, then every week to
    /// a year, at objectives from 50% up, including 93% (where 14.4× would need 100.8% errors).
    @Test(arguments: ["50%", "90%", "93%", "97.3%", "99.9%", "99.999%"])
    func everyPeriodGeneratesTests(objective: String) throws {
        for days in Array(1...45) + Array(stride(from: 49, through: 365, by: 7)) + [365] {
            let slo = try Self.spec(objective: objective, period: "\(days)d")
            let files = try RuleTests.files(slo)
            #expect(files.allSatisfy { $0.text.contains("- name:") }, "\(days)d at \(objective)")
        }
    }

    /// The period's rates are made of a recorded window's, at most 1,000 of it per period, the shortest
    /// such: the rule reads few samples and trails the raw form by little. For every period, as above.
    @Test func thePeriodIsMadeOfAShortRecordedWindow() throws {
        for days in Array(1...45) + Array(stride(from: 49, through: 365, by: 7)) + [365] {
            let slo = try Self.spec(objective: "99.9%", period: "\(days)d")
            let step = slo.periodStep
            let shorter = slo.recordedWindows.filter { $0 < step }
            #expect(slo.recordedWindows.contains(step) && step < slo.period.seconds, "\(days)d")
            #expect(slo.period.seconds / step <= 1_000 && shorter.allSatisfy { slo.period.seconds / $0 > 1_000 }, "\(days)d: \(step)")
            let range = "[\(days)d:\(DurationText.exact(step))]"
            #expect(
                PrometheusRules.file(slo).contains("sum_over_time(slo:sli_bad:rate\(DurationText.exact(step)){slo=\"matrix\"}\(range))"), "\(days)d")
        }
        let steps = try ["1d", "7d", "30d", "90d", "365d"].map { DurationText.exact(try Self.spec(objective: "99%", period: $0).periodStep) }
        #expect(steps == ["2m", "30m", "1h", "6h", "1d"])
    }

    /// A condition no error ratio reaches is kept, and the rule file says why it can never fire.
    @Test func anUnreachableConditionIsSaidInTheRuleFile() throws {
        let low = PrometheusRules.file(try Self.spec(objective: "93%", period: "30d"))
        #expect(low.contains("# The page condition 14.4× over 1h cannot fire at 93%: it needs 100.8% of requests failing."))
        #expect(!low.contains("condition 6× over 6h cannot fire"))
        let usual = PrometheusRules.file(try Self.spec(objective: "99.9%", period: "30d"))
        #expect(!usual.contains("cannot fire at"))
    }

    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func promtoolChecksTheWholeMatrix() async throws {
        let promtool = try #require(TestTools.promtool)
        var files: [String] = []
        for period in Self.periods {
            for objective in Self.objectives { files.append(try Self.write(try Self.spec(objective: objective, period: period)).rules) }
        }
        let (status, output) = try await TestTools.run(promtool, ["check", "rules"] + files)
        #expect(status == 0, "\(output)")
        #expect(output.components(separatedBy: "SUCCESS").count - 1 == 49, "\(output)")
    }

    @Test(
        .enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"),
        arguments: [("1d", "90%"), ("1d", "99.999%"), ("30d", "99.9%"), ("365d", "90%"), ("365d", "99.999%")])
    func promtoolPassesTheCornersAndTheMiddle(period: String, objective: String) async throws {
        try await Self.promtoolTests(try Self.spec(objective: objective, period: period))
    }

    /// Sloth's flagship selector (`code=~"(5..|429)"`), a good query with `!~`, character classes with
    /// counts beside `!=`, and alternatives the total names.
    @Test(
        .enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"),
        arguments: [
            (#"http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}"#, #"http_request_duration_seconds_count{job="myservice"}"#),
            (#"requests_total{code=~"[45][0-9]{2}",path!="/health"}"#, #"requests_total{path!="/health"}"#),
            (#"shop_payments_total{outcome="error"}"#, #"shop_payments_total{outcome=~"captured|declined|error"}"#),
            (#"requests_total{code=~"5\\d\\d"}"#, #"requests_total{code=~".+"}"#),
        ])
    func regexSelectorsAreExercised(bad: String, total: String) async throws {
        try await Self.promtoolTests(try Self.spec(objective: "99.9%", period: "30d", bad: bad, total: total))
    }

    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func aGoodQueryWithANegativeRegexIsExercised() async throws {
        let text = """
            service: matrix
            slos:
              - name: matrix
                objective: 99%
                period: 28d
                indicator:
                  ratio: {good: 'requests_total{code!~"5.."}', total: requests_total}
            """
        let slo = try #require(try SLOSpecs.parse(files: [("matrix.yaml", text)]).first)
        #expect(RuleTests.note(slo) == nil)
        try await Self.promtoolTests(slo)
    }

    /// A numerator that selects every series the total does leaves nothing to test: the rules are written,
    /// and the note and every test file say why.
    @Test func aSelectorNoSeriesCanExerciseIsNamedNotRefused() throws {
        let slo = try Self.spec(objective: "99.9%", period: "30d", bad: #"requests_total{code=~".*"}"#, total: "requests_total")
        let note = try #require(RuleTests.note(slo))
        #expect(note.contains(#"requests_total{code=~".*"}"#), "\(note)")
        let files = try RuleTests.files(slo)
        #expect(files.map(\.name) == ["matrix.page.test.yaml", "matrix.ticket.test.yaml", "matrix.period.test.yaml"])
        #expect(files.allSatisfy { $0.text.contains("# No test: ") && $0.text.hasSuffix("tests: []\n") })
    }

    /// At exactly the slower page's factor (300 bad of 1,000 a minute is 6× a 95% budget; 14.4× would need
    /// 72%) the ratio of summed rates comes out as 5.999999999999999 over six hours, and a plain `>= 6`
    /// never pages. The rules compare with the tolerance shop-slo's maths uses, so every minute pages, as
    /// `SLITimeline` says.
    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func aBurnOfExactlyTheFactorPagesEveryMinute() async throws {
        let promtool = try #require(TestTools.promtool)
        let slo = try Self.spec(objective: "95%", period: "30d")
        var line = SLITimeline(step: 60)
        for _ in 0..<120 { line.append(bad: 300, total: 1_000) }
        let page = slo.alertConditions[1]
        #expect(page.factor == 6 && !slo.alertConditions[0].isReached(by: 0.3, budget: 0.05))
        #expect((2..<120).allSatisfy { line.holds(page, budget: slo.errorBudget.budget, minimumRequests: slo.minimumRequests, at: $0) })
        let (rules, _) = try Self.write(slo)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: rules).deletingLastPathComponent().path) }
        typealias Y = YAMLWriting
        // The ticket holds too (6× is above its 3×): both are expected, with the burn in the description.
        let expected = Y.list(
            [BurnRateAlert.Severity.page, .ticket].map { severity in
                Y.map([
                    ("exp_labels", Y.texts(PrometheusRules.alertLabels(slo, severity))),
                    ("exp_annotations", Y.texts(PrometheusRules.annotations(slo, severity, burnRate: 6))),
                ])
            })
        let inputs = [(#"errors_total{job="api"}"#, "0+300x120"), (#"requests_total{job="api"}"#, "0+1000x120")].map {
            Y.map([("series", Y.text($0.0)), ("values", Y.text($0.1))])
        }
        let checks = (5...120).map { minute in
            Y.map([("eval_time", Y.plain("\(minute)m")), ("alertname", Y.text(slo.alertName)), ("exp_alerts", expected)])
        }
        let test = Y.document(
            Y.map([
                ("rule_files", Y.list([Y.text(rules)])), ("evaluation_interval", Y.plain("1m")),
                ("tests", Y.list([Y.map([("interval", Y.plain("1m")), ("input_series", Y.list(inputs)), ("alert_rule_test", Y.list(checks))])])),
            ]))
        let file = rules + ".tie.test.yaml"
        try test.write(toFile: file, atomically: true, encoding: .utf8)
        let (status, output) = try await TestTools.run(promtool, ["test", "rules", file])
        #expect(status == 0, "\(output)")
    }

    static func promtoolTests(_ slo: ServiceLevelObjective) async throws {
        let promtool = try #require(TestTools.promtool)
        #expect(RuleTests.note(slo) == nil)
        let (rules, tests) = try Self.write(slo)
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: rules).deletingLastPathComponent().path) }
        let (status, output) = try await TestTools.run(promtool, ["test", "rules"] + tests)
        #expect(status == 0, "\(output)")
        #expect(output.components(separatedBy: "SUCCESS").count - 1 == tests.count, "\(output)")
    }
}
