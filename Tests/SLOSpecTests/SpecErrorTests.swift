import Foundation
import SLOMath
import SLOSpec
import ShopSupport
import Testing

/// A bad spec gives one line naming the file and the field.
@Suite struct SpecErrorTests {
    static let valid = """
        service: shop-api
        slos:
          - name: orders
            objective: 99.9%
            indicator:
              availability: {method: POST, routes: [/v1/orders]}
        """

    func error(_ yaml: String, file: String = "slos/bad.yaml") -> String? {
        do {
            _ = try SLOSpecs.parse(files: [(file, yaml)])
            return nil
        } catch {
            return error.description
        }
    }

    @Test func theValidOneParses() throws {
        let slos = try SLOSpecs.parse(files: [("slos/ok.yaml", Self.valid)])
        #expect(slos.map(\.alertName) == ["OrdersBudgetBurn"])
        #expect(slos[0].runbookURL == "runbooks/OrdersBudgetBurn.md")
        #expect(slos[0].errorBudget.budget > 0.00099 && slos[0].errorBudget.budget < 0.00101)
    }

    @Test(arguments: [
        (
            "objective: 99.9%", "objective: 120%",
            "slos/bad.yaml: slos[0].objective: \"120%\" must be a share of good events above 0% and below 100% (99.9% or 0.999)"
        ),
        (
            "objective: 99.9%", "objective: high",
            "slos/bad.yaml: slos[0].objective: \"high\" must be a share of good events above 0% and below 100% (99.9% or 0.999)"
        ),
        ("    objective: 99.9%\n", "    period: 2h\n", "slos/bad.yaml: slos[0].objective: is required (a percentage such as 99.9%)"),
        ("- name: orders", "- name: Orders", "slos/bad.yaml: slos[0].name: \"Orders\" must be lower-case words joined by hyphens"),
        (
            "objective: 99.9%", "objective: 99.9%\n    period: 2h",
            "slos/bad.yaml: slos[0].period: must be at least 1d (the alert windows shrink with the period)"
        ),
        ("objective: 99.9%", "objective: 99.9%\n    period: soon", "slos/bad.yaml: slos[0].period: \"soon\" is not a duration (30d, 28d, 1d)"),
        ("method: POST", "method: post", "slos/bad.yaml: slos[0].indicator.availability.method: must be an HTTP method in capitals (GET, POST)"),
        (
            "routes: [/v1/orders]", "routes: [orders]",
            "slos/bad.yaml: slos[0].indicator.availability.routes[0]: \"orders\" is not a route template (/v1/orders/{id})"
        ),
        (
            "availability: {method: POST, routes: [/v1/orders]}", "latency: {method: POST, routes: [/v1/orders], threshold: 350ms}",
            "slos/bad.yaml: slos[0].indicator.latency.threshold: 350ms is not a bucket bound of the request duration histogram, so the SLI would not be exact"
        ),
        (
            "availability: {method: POST, routes: [/v1/orders]}", "ratio: {bad: 'errors_total{code=\"5\"', total: errors_total}",
            "slos/bad.yaml: slos[0].indicator.ratio.bad: \"errors_total{code=\"5\"\" is not a series selector (a counter such as name{label=\"value\"}; shop-slo adds rate and sum)"
        ),
        (
            "availability: {method: POST, routes: [/v1/orders]}", "ratio: {total: requests_total}",
            "slos/bad.yaml: slos[0].indicator.ratio: needs either good or bad, besides total"
        ),
        ("slos:", "slos: 3\nother:", "slos/bad.yaml: slos: expected a list"),
        ("service: shop-api", "service: [a", "slos/bad.yaml: not valid YAML"),
    ])
    func badNativeSpec(original: String, replacement: String, expected: String) throws {
        let yaml = Self.valid.replacingOccurrences(of: original, with: replacement)
        #expect(yaml != Self.valid)
        let message = try #require(error(yaml))
        #expect(message.hasPrefix(expected), "\(message)")
        #expect(!message.contains("\n"))
    }

    static let openSLO = """
        apiVersion: openslo/v1
        kind: SLO
        metadata: {name: payments}
        spec:
          service: shop-api
          indicator:
            metadata: {name: payments}
            spec:
              ratioMetric:
                counter: true
                good: {metricSource: {type: Prometheus, spec: {query: 'payments_total{outcome="ok"}'}}}
                total: {metricSource: {type: Prometheus, spec: {query: payments_total}}}
          timeWindow: [{duration: 28d, isRolling: true}]
          budgetingMethod: Occurrences
          objectives: [{target: 0.995}]
        """

    @Test func openSLOParses() throws {
        let slo = try #require(try SLOSpecs.parse(files: [("slos/p.yaml", Self.openSLO)]).first)
        #expect(slo.period == .rolling(28 * 86_400))
        #expect(slo.alertConditions.map(\.factor).map { ($0 * 1000).rounded() / 1000 } == [13.44, 5.6, 2.8, 0.933])
        #expect(slo.indicator.query.badRate("5m") == "sum(rate(payments_total[5m])) - (sum(rate(payments_total{outcome=\"ok\"}[5m])) or vector(0))")
        let calendar = try #require(
            try SLOSpecs.parse(files: [
                ("slos/p.yaml", Self.openSLO.replacingOccurrences(of: "{duration: 28d, isRolling: true}", with: "{duration: 1M, isRolling: false}"))
            ]).first)
        #expect(calendar.period == .calendarMonth)
    }

    @Test(arguments: [
        (
            "budgetingMethod: Occurrences", "budgetingMethod: Timeslices",
            "slos/p.yaml: documents[0].spec.budgetingMethod: Timeslices is not supported: shop-slo counts Occurrences"
        ),
        (
            "objectives: [{target: 0.995}]", "objectives: [{target: 1.5}]",
            "slos/p.yaml: documents[0].spec.objectives[0].target: must lie between 0 and 1 (0.995)"
        ),
        (
            "type: Prometheus, spec: {query: payments_total}", "type: Datadog, spec: {query: payments_total}",
            "slos/p.yaml: documents[0].spec.indicator.spec.ratioMetric.total.metricSource.type: must be Prometheus"
        ),
        (
            "apiVersion: openslo/v1", "apiVersion: openslo/v2",
            "slos/p.yaml: documents[0].apiVersion: \"openslo/v2\" is not read (openslo/v1 and openslo/v1alpha are)"
        ),
        (
            "{duration: 28d, isRolling: true}", "{duration: 2w, isRolling: false}",
            "slos/p.yaml: documents[0].spec.timeWindow[0].duration: a calendar window of 2w is not supported: shop-slo counts calendar budgets by the month (1M)"
        ),
        (
            "  indicator:\n", "  indicatorRef: missing\n  unused:\n",
            "slos/p.yaml: documents[0].spec.indicatorRef: no kind: SLI document is named \"missing\""
        ),
    ])
    func badOpenSLO(original: String, replacement: String, expected: String) throws {
        let yaml = Self.openSLO.replacingOccurrences(of: original, with: replacement)
        #expect(yaml != Self.openSLO)
        let message = try #require(error(yaml, file: "slos/p.yaml"))
        #expect(message == expected)
    }

    @Test func duplicateNamesAcrossFiles() {
        #expect(error(Self.valid) == nil)
        #expect(throws: SpecError(file: "slos/b.yaml", field: "orders", reason: "an SLO of this name is already in slos/a.yaml")) {
            try SLOSpecs.parse(files: [("slos/a.yaml", Self.valid), ("slos/b.yaml", Self.valid)])
        }
    }
    /// Nine aliases of nine aliases (9⁹ nodes in 500 bytes), as a value and as a mapping key (which Yams
    /// would hash for minutes), stop at the node bound.
    @Test(arguments: ["service: *a8", "? *a8\n: boom"])
    func anAliasBombIsOneLine(_ use: String) throws {
        var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...8 { lines.append("a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]") }
        let text = (lines + [use]).joined(separator: "\n")
        #expect(text.utf8.count < 600)
        #expect(error(text) == "slos/bad.yaml: expands to more than 100000 nodes (through aliases, or simply too many); split it into smaller files")
    }

    @Test func deepNestingIsOneLine() {
        let text = "service: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(error(text) == "slos/bad.yaml: not valid YAML: line 1, column 11: nested more than 1000 levels deep")
    }

    /// Ten megabytes of valid SLOs are refused by size, before any parsing.
    @Test func aTenMegabyteFileIsOneLine() {
        let slo = "  - name: orders\n    objective: 99.9%\n    indicator: {availability: {method: POST, routes: [/v1/orders]}}\n"
        let text = "service: shop-api\nslos:\n" + String(repeating: slo, count: 10_000_000 / slo.utf8.count)
        #expect(
            error(text)?.hasPrefix("slos/bad.yaml: is 99") == true && error(text)?.hasSuffix(" kB; spec files are read up to 1000 kB") == true,
            "\(error(text) ?? "accepted")")
    }

    /// Many SLOs under the size bound but over the node bound: the same line.
    @Test func tooManyNodesIsOneLine() {
        let text = "service: shop-api\nslos:\n" + String(repeating: "  - {name: a, objective: 99%}\n", count: 30_000)
        #expect(text.utf8.count < SLOSpecs.maximumBytes)
        #expect(
            error(text)?.hasSuffix("expands to more than 100000 nodes (through aliases, or simply too many); split it into smaller files") == true)
    }

    @Test(arguments: [
        ("period: 1e20", "slos[0].period: \"1e20\" is longer than 365d, the longest period read"),
        ("period: .inf", "slos[0].period: \".inf\" is not a duration (30d, 28d, 1d)"),
        ("period: -3d", "slos[0].period: \"-3d\" is not a duration (30d, 28d, 1d)"),
        ("objective: .nan", "slos[0].objective: \".nan\" must be a share of good events above 0% and below 100% (99.9% or 0.999)"),
        ("objective: 1e308%", "slos[0].objective: \"1e308%\" must be a share of good events above 0% and below 100% (99.9% or 0.999)"),
        ("objective: -inf", "slos[0].objective: \"-inf\" must be a share of good events above 0% and below 100% (99.9% or 0.999)"),
    ])
    func nonFiniteAndHugeNumbersAreOneLine(_ line: String, _ expected: String) {
        let text = Self.valid.replacingOccurrences(of: "objective: 99.9%", with: line.hasPrefix("period") ? "objective: 99.9%\n    \(line)" : line)
        #expect(error(text) == "slos/bad.yaml: " + expected)
    }
}
