import SLOSpec
import ShopTestSupport
import Testing

/// `excludeSynthetic`: an SLO that leaves rehearsals' requests (`synthetic="true"`) out of its SLI, on every
/// indicator that reads the request histogram, and a clear line where it cannot.
@Suite struct SyntheticSpecTests {
    static func slo(_ indicator: String, exclude: String = "excludeSynthetic: true") throws -> ServiceLevelObjective {
        let text = """
            service: checkout
            slos:
              - name: s
                objective: 99%
                \(exclude)
                indicator: \(indicator)
            """
        return try #require(try SLOSpecs.parse(files: [("s.yaml", text)]).first)
    }

    static let indicators = [
        "{availability: {method: POST, routes: [/v1/orders]}}",
        "{latency: {method: GET, routes: ['/v1/products/{sku}', /v1/products], threshold: 100ms}}",
        #"{ratio: {bad: 'http_server_request_duration_seconds_count{http_response_status_code=~"5.."}', total: http_server_request_duration_seconds_count}}"#,
        #"{ratio: {good: 'http_server_request_duration_seconds_bucket{le="0.3"}', total: http_server_request_duration_seconds_count}}"#,
    ]

    @Test(arguments: indicators)
    func everySelectorOfTheRequestHistogramLeavesRehearsalsOut(indicator: String) throws {
        let excluded = try Self.slo(indicator)
        #expect(excluded.indicator.synthetic == .excluded)
        #expect(excluded.indicator.query.selectors.allSatisfy { $0.description.contains(#"synthetic!="true""#) }, "\(excluded.indicator.query)")
        let counted = try Self.slo(indicator, exclude: "")
        #expect(counted.indicator.synthetic == .counted)
        #expect(!counted.indicator.query.selectors.contains { $0.description.contains("synthetic") })
        // What the budget report asks for rehearsals alone.
        let only = try #require(excluded.indicator.counting(.only))
        #expect(only.query.selectors.allSatisfy { $0.description.contains(#"synthetic="true""#) && !$0.description.contains("!=") })
        #expect(PrometheusRules.file(excluded).contains(#"synthetic!="true""#))
    }

    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"), arguments: indicators)
    func promtoolPassesTheRulesThatLeaveRehearsalsOut(indicator: String) async throws {
        try await SpecMatrixTests.promtoolTests(try Self.slo(indicator))
    }

    @Test func aRatioOfOtherCountersCannotLeaveRehearsalsOutAndSaysSo() {
        #expect(throws: SpecError.self) { try Self.slo(#"{ratio: {bad: 'shop_payments_total{outcome="error"}', total: shop_payments_total}}"#) }
        do {
            _ = try Self.slo(#"{ratio: {bad: 'shop_payments_total{outcome="error"}', total: shop_payments_total}}"#)
        } catch {
            #expect(
                "\(error)"
                    == "s.yaml: slos[0].excludeSynthetic: the ratio reads no http_server_request_duration_seconds series, the only one with a synthetic label: leave synthetic requests out in its selectors"
            )
        }
    }

    @Test func theSnakeCaseSpellingIsNamedNotIgnored() {
        do {
            _ = try Self.slo(Self.indicators[0], exclude: "exclude_synthetic: true")
            Issue.record("exclude_synthetic was ignored")
        } catch {
            #expect("\(error)" == "s.yaml: slos[0].exclude_synthetic: is spelled excludeSynthetic in this format")
        }
    }
}
