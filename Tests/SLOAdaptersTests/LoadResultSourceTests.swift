import Foundation
import LoadReport
import SLOAdapters
import SLOSpec
import Testing

/// Evaluating a shop-load result on the profile's clock: two hours in one-minute windows, 1,000 orders a
/// minute, and ten minutes (30–40) in which every order fails, as a fault schedule would make them.
@Suite struct LoadResultSourceTests {
    static let spec = """
        service: shop-api
        slos:
          - name: orders
            objective: 99.9%
            indicator: {availability: {method: POST, routes: [/v1/orders]}}
          - name: order-latency
            objective: 99%
            indicator: {latency: {method: POST, routes: [/v1/orders], threshold: 300ms}}
          - name: payments
            objective: 99.5%
            indicator: {ratio: {bad: 'shop_payments_total{outcome="error"}', total: shop_payments_total}}
        """

    /// A result file as shop-load writes it. Each window: 1,000 orders, of which `bad` answered 5xx or not
    /// at all; 20 of them took 400 ms, the rest 20 ms; 5 more were dropped at the in-flight cap.
    static func result() throws -> LoadResult {
        var windows: [String] = []
        for index in 0..<120 {
            let failing = (30..<40).contains(index)
            let status = failing ? #"{"5xx": 990, "error": 10}"# : #"{"2xx": 1000}"#
            windows.append(
                """
                {"index": \(index), "profileStartSeconds": \(index * 60), "wallStartSeconds": \(index), "targetRequests": 1005,
                 "endpoints": {"order": {"scheduled": 1005, "sent": 1000, "late": 0, "dropped": 5, "status": \(status),
                   "corrected": {"counts": [[20000, 980], [400000, 20]]}, "uncorrected": {"counts": [[20000, 1000]]}},
                  "product": {"scheduled": 10, "sent": 10, "late": 0, "dropped": 0, "status": {"5xx": 10},
                   "corrected": {"counts": [[900000, 10]]}, "uncorrected": {"counts": [[900000, 10]]}}}}
                """)
        }
        let json = """
            {"schema": "shop-load/1", "target": "http://127.0.0.1:8080", "shards": [{"index": 0, "count": 1}], "interrupted": false,
             "clocks": {"startedAt": "2026-11-21T00:00:00Z", "wallSeconds": 120, "speed": 60, "windowSeconds": 60, "profileStartSeconds": 0, "profileEndSeconds": 7200},
             "profile": {"name": "outage", "file": "loadtests/outage.yaml", "description": "", "durationSeconds": 7200, "baseRate": 16.75, "peakRate": 16.75,
               "arrivals": "poisson", "seed": 1, "users": 10, "mix": {"order": 1}, "thresholds": [],
               "spikes": [{"name": "lunch", "startSeconds": 3600, "endSeconds": 5400, "multiplier": 1}],
               "faults": [{"atSeconds": 1800, "settings": {"gateway_failure_ratio": 0, "gateway_latency_ms": 0, "database_latency_ms": 0, "routes": {"/v1/orders": {"error_ratio": 1, "latency_ms": 0}}}},
                          {"atSeconds": 2400, "settings": {"gateway_failure_ratio": 0, "gateway_latency_ms": 0, "database_latency_ms": 0, "routes": {}}}]},
             "windows": [\(windows.joined(separator: ","))], "summary": [], "thresholds": []}
            """
        return try LoadResult.decoder.decode(LoadResult.self, from: Data(json.utf8))
    }

    static func slos() throws -> [ServiceLevelObjective] { try SLOSpecs.parse(files: [("spec.yaml", spec)]) }

    @Test func availabilityCountsServerErrorsAndUnansweredRequestsOfTheRoutesOnly() throws {
        let result = try Self.result()
        let report = LoadResultSource.report(try Self.slos()[0], result, source: "test")
        // 120 windows × 1,000 orders; the product page's 5xx are another route's; dropped starts never reached the service.
        #expect(report.requests == 120_000)
        #expect(report.badRequests == 10_000)
        #expect(abs(report.sli! - (1 - 10_000.0 / 120_000)) < 1e-12)
        let budget = try #require(report.budget)
        #expect(abs(budget.allowedRequests - 120) < 1e-9)
        #expect(abs(budget.spent - 10_000.0 / 120) < 1e-9)
    }

    /// The page fires in the outage's first minute (a 1,000× burn fills 1h × 14.4 × 0.1% in 52 s) and holds
    /// until the 6h/30m condition's short window has left the outage behind: 30 minutes after it ends.
    @Test func alertsAreFoundAlongTheProfileClock() throws {
        let report = LoadResultSource.report(try Self.slos()[0], try Self.result(), source: "test")
        let intervals = try #require(report.alertIntervals)
        #expect(intervals.contains(BudgetReport.AlertInterval(severity: "page", startSeconds: 31 * 60, endSeconds: 70 * 60)))
        #expect(intervals.contains(BudgetReport.AlertInterval(severity: "ticket", startSeconds: 31 * 60, endSeconds: nil)))
        #expect(intervals.count == 2)
    }

    @Test func eachPhaseOfTheProfileGetsItsShareOfTheBudget() throws {
        let report = LoadResultSource.report(try Self.slos()[0], try Self.result(), source: "test")
        let phases = try #require(report.phases)
        #expect(phases.map(\.name) == ["normal traffic", "/v1/orders 100% errors", "normal traffic", "lunch 1×", "normal traffic"])
        #expect(phases.map(\.startSeconds) == [0, 1800, 2400, 3600, 5400])
        #expect(phases.map(\.requests) == [30_000, 10_000, 20_000, 30_000, 30_000])
        #expect(phases[1].badRequests == 10_000)
        #expect(abs(phases[1].budgetSpent - 10_000.0 / 120) < 1e-9)
        #expect(abs(phases[1].burnRate! - 1_000) < 1e-6)
        #expect(phases.filter { $0.badRequests > 0 }.count == 1)
    }

    /// Latency from the intended start: 20 of each window's 1,000 orders took 400 ms, over the 300 ms bound.
    @Test func latencyCountsCorrectedTimesOverTheThreshold() throws {
        let report = LoadResultSource.report(try Self.slos()[1], try Self.result(), source: "test")
        #expect(report.requests == 120_000)
        #expect(report.badRequests == 2_400)
        #expect(abs(report.windows.first { $0.window == "1h" }!.burnRate! - 2) < 1e-9)
    }

    @Test func aPromQLRatioIsNotMeasuredByALoadResult() throws {
        let report = LoadResultSource.report(try Self.slos()[2], try Self.result(), source: "test")
        #expect(report.unmeasured != nil)
        #expect(report.budget == nil)
        #expect(BudgetReportText.render([report]).contains("not evaluated: its SLI is a PromQL ratio"))
    }
}
