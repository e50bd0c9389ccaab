import Foundation
import SLOSpec
import ShopSupport
import ShopTestSupport
import Testing

/// OpenSLO as people write it: Sloth's v1alpha example, files that also hold services, data sources and
/// alert policies, the top-level list form, months, quarters and years, and calendars.
@Suite struct OpenSLOTests {
    /// Sloth's `examples/openslo-getting-started.yml` (slok/sloth), as published.
    static let sloth = """
        # This example shows the same example as getting-started.yml but using OpenSLO spec.
        # It will generate the Prometheus rules in a Prometheus rules format.
        apiVersion: openslo/v1alpha
        kind: SLO
        metadata:
          name: sloth-slo-my-service
          displayName: Requests Availability
        spec:
          service: my-service
          description: "Common SLO based on availability for HTTP request responses."
          objectives:
            - ratioMetrics:
                good:
                  source: prometheus
                  queryType: promql
                  query: sum(rate(http_request_duration_seconds_count{job="myservice",code!~"(5..|429)"}[{{.window}}]))
                total:
                  source: prometheus
                  queryType: promql
                  query: sum(rate(http_request_duration_seconds_count{job="myservice"}[{{.window}}]))
              target: 0.999
          timeWindows:
            - count: 30
              unit: Day
        """

    /// A v1 file as a team keeps it: the service, its Prometheus data source, the SLO naming that source,
    /// and an alert policy.
    static let multiDocument = """
        apiVersion: openslo/v1
        kind: Service
        metadata: {name: web-shop}
        spec: {description: The shop}
        ---
        apiVersion: openslo/v1
        kind: DataSource
        metadata: {name: prom}
        spec: {type: Prometheus, connectionDetails: {url: "http://prometheus:9090"}}
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata: {name: search-availability}
        spec:
          service: web-shop
          indicator:
            metadata: {name: search-errors}
            spec:
              ratioMetric:
                counter: true
                bad: {metricSource: {metricSourceRef: prom, spec: {query: 'http_requests_total{handler="/search",code=~"5.."}'}}}
                total: {metricSource: {metricSourceRef: prom, spec: {query: 'http_requests_total{handler="/search"}'}}}
          timeWindow: [{duration: 1Q, isRolling: true}]
          budgetingMethod: Occurrences
          objectives: [{target: 0.995}]
          alertPolicies: [fast-burn]
        ---
        apiVersion: openslo/v1
        kind: AlertPolicy
        metadata: {name: fast-burn}
        spec: {conditions: [{conditionRef: burn}]}
        """

    static func slo(_ text: String, file: String = "slos/o.yaml") throws -> ServiceLevelObjective {
        try #require(try SLOSpecs.parse(files: [(file, text)]).first)
    }

    static func error(_ text: String) -> String? {
        do {
            _ = try SLOSpecs.parse(files: [("slos/o.yaml", text)])
            return nil
        } catch {
            return error.description
        }
    }

    @Test func slothsExampleIsReadAndItsRuleTestsPass() async throws {
        let slo = try Self.slo(Self.sloth)
        #expect(slo.name == "sloth-slo-my-service" && slo.objective == 0.999 && slo.period == .rolling(30 * 86_400))
        #expect(slo.indicator.query.badRate("5m").contains(#"code!~"(5..|429)""#))
        #expect(RuleTests.note(slo) == nil)
        try await SpecMatrixTests.promtoolTests(slo)
    }

    @Test func otherKindsAreSkippedWithANoteAndADataSourceIsUsed() throws {
        let reading = try SLOSpecs.read(files: [("slos/o.yaml", Self.multiDocument)])
        #expect(reading.objectives.map(\.name) == ["search-availability"])
        #expect(reading.objectives[0].period == .rolling(90 * 86_400))
        #expect(
            reading.notes == [
                "slos/o.yaml: documents[0]: kind Service \"web-shop\" skipped: a service is named by each SLO's spec.service",
                "slos/o.yaml: documents[3]: kind AlertPolicy \"fast-burn\" skipped: shop-slo alerts on the multi-window burn rates of its rules, not on alert policies",
            ])
        let elsewhere = Self.multiDocument.replacingOccurrences(of: "type: Prometheus, connectionDetails", with: "type: Datadog, connectionDetails")
        #expect(Self.error(elsewhere) == "slos/o.yaml: documents[2].spec.indicator.spec.ratioMetric.total.metricSource.type: must be Prometheus")
        let missing = Self.multiDocument.replacingOccurrences(of: "metadata: {name: prom}", with: "metadata: {name: other}")
        #expect(
            Self.error(missing)
                == "slos/o.yaml: documents[2].spec.indicator.spec.ratioMetric.total.metricSource.metricSourceRef: no kind: DataSource document is named \"prom\""
        )
    }

    @Test func theTopLevelListFormIsRead() throws {
        let list = Self.multiDocument.split(separator: "---\n").map { "- " + $0.replacingOccurrences(of: "\n", with: "\n  ") }.joined(separator: "\n")
        let reading = try SLOSpecs.read(files: [("slos/o.yaml", list)])
        #expect(reading.objectives.map(\.name) == ["search-availability"])
        #expect(reading.notes.first?.hasPrefix("slos/o.yaml: documents[0][0]: kind Service") == true, "\(reading.notes)")
        #expect(Self.error("- just: text\n") == "slos/o.yaml: documents[0][0]: a top-level list must hold OpenSLO documents (apiVersion and kind)")
    }

    @Test(arguments: [("1M", 30.0), ("1Q", 90), ("1Y", 365), ("2w", 14), ("6M", 180), ("36h", 1.5)])
    func rollingWindowsInAnyUnit(_ duration: String, _ days: Double) throws {
        let slo = try Self.slo(Self.multiDocument.replacingOccurrences(of: "duration: 1Q", with: "duration: \(duration)"))
        #expect(slo.period == .rolling(days * 86_400))
    }

    @Test(arguments: [
        ("{duration: 2Y, isRolling: true}", "documents[2].spec.timeWindow[0].duration: \"2Y\" is longer than 365d, the longest period read"),
        (
            "{duration: 1Q, isRolling: false}",
            "documents[2].spec.timeWindow[0].duration: a calendar window of 1Q is not supported: shop-slo counts calendar budgets by the month (1M)"
        ),
        (
            "{duration: 1M, isRolling: false, calendar: {startTime: \"2024-01-01 00:00:00\", timeZone: America/New_York}}",
            "documents[2].spec.timeWindow[0].calendar.timeZone: America/New_York is not supported: shop-slo counts calendar months in UTC"
        ),
        (
            "{duration: 1M, isRolling: false, calendar: {startTime: \"2024-01-15 00:00:00\", timeZone: UTC}}",
            "documents[2].spec.timeWindow[0].calendar.startTime: 2024-01-15 00:00:00 is not supported: a calendar month starts on the first at 00:00"
        ),
        ("{duration: 1fortnight, isRolling: true}", "documents[2].spec.timeWindow[0].duration: \"1fortnight\" is not a duration (28d, 2w, 1M)"),
    ])
    func windowsThatCannotBeReadAreNamed(_ window: String, _ expected: String) {
        let text = Self.multiDocument.replacingOccurrences(of: "{duration: 1Q, isRolling: true}", with: window)
        #expect(Self.error(text) == "slos/o.yaml: " + expected)
    }

    @Test func aCalendarMonthInUTCFromTheFirstIsRead() throws {
        let text = Self.multiDocument.replacingOccurrences(
            of: "{duration: 1Q, isRolling: true}",
            with: "{duration: 1M, isRolling: false, calendar: {startTime: \"2024-01-01 00:00:00\", timeZone: UTC}}")
        #expect(try Self.slo(text).period == .calendarMonth)
    }

    @Test(arguments: [
        ("count: 30\n      unit: Day", "count: 4\n      unit: Week", 28.0),
        ("count: 30\n      unit: Day", "count: 1\n      unit: Month", 30),
        ("count: 30\n      unit: Day", "count: 1\n      unit: Quarter", 90),
    ])
    func v1alphaWindows(_ original: String, _ replacement: String, _ days: Double) throws {
        #expect(try Self.slo(Self.sloth.replacingOccurrences(of: original, with: replacement)).period == .rolling(days * 86_400))
    }

    @Test(arguments: [
        (
            "[{{.window}}]))", "[{{.window}}])) by (job)",
            "documents[0].spec.objectives[0].ratioMetrics.total.query: \"sum(rate(http_request_duration_seconds_count{job=\"myservice\"}[{{.window}}])) by (job)\" is not read: write a counter selector, or sum(rate(selector[window]))"
        ),
        ("unit: Day", "unit: Fortnight", "documents[0].spec.timeWindows[0].unit: \"Fortnight\" is not a unit (Day, Week, Month)"),
        ("      target: 0.999", "      target: 99.9", "documents[0].spec.objectives[0].target: must lie between 0 and 1 (0.995)"),
        (
            "source: prometheus\n          queryType: promql\n          query: sum(rate(http_request_duration_seconds_count{job=\"myservice\"}",
            "source: datadog\n          queryType: promql\n          query: sum(rate(http_request_duration_seconds_count{job=\"myservice\"}",
            "documents[0].spec.objectives[0].ratioMetrics.total.source: must be prometheus"
        ),
    ])
    func v1alphaMistakesAreNamed(_ original: String, _ replacement: String, _ expected: String) {
        let text = Self.sloth.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.sloth)
        #expect(Self.error(text) == "slos/o.yaml: " + expected)
    }

    /// OpenSLO's own `examples/budgeting-method/occurences-slo.yaml` measures a threshold, which is named.
    @Test func aThresholdMetricIsRefusedByName() {
        let text = """
            apiVersion: openslo/v1
            kind: SLO
            metadata:
              name: search-slo
              displayName: Searching time
            spec:
              service: web-shop
              indicator:
                metadata:
                  name: search-latency
                spec:
                  thresholdMetric:
                    metricSource:
                      type: Any
              timeWindow:
                - duration: 2w
                  isRolling: true
              budgetingMethod: Occurrences
              objectives:
                - displayName: Good experience
                  op: lt
                  value: 500
                  target: 0.99
            """
        #expect(
            Self.error(text)
                == "slos/o.yaml: documents[0].spec.indicator.spec.thresholdMetric: is not supported: shop-slo reads ratioMetric (good or bad, and total counters)"
        )
    }
}
