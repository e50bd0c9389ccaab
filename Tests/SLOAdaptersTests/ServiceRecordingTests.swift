import SLOAdapters
import SLOMath
import SLOSpec
import ShopTestSupport
import Testing

@Suite struct ServiceRecordingTests {
    @Test func expositionLinesParse() {
        let samples = ExpositionSample.parse(
            """
            # HELP x y
            # TYPE http_server_request_duration_seconds histogram
            http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/v1/products/{sku}",http_response_status_code="200",le="0.1"} 7
            shop_payments_total{outcome="error"} 3.0
            process_open_fds 12
            up{job="a\\"b"} 1
            """)
        #expect(samples.count == 4)
        #expect(samples[0].labels["http_route"] == "/v1/products/{sku}" && samples[0].labels["le"] == "0.1" && samples[0].value == 7)
        #expect(samples[1].series == #"shop_payments_total{outcome="error"}"#)
        #expect(samples[2].labels.isEmpty && samples[2].value == 12)
        #expect(samples[3].labels["job"] == "a\"b")
    }

    /// Counts per step from counters that start mid-way (a 5xx series first seen at boundary 2) and from a
    /// baseline that is not the game day's (100 before it started).
    @Test func aRecordingIsTheIncrementsOfWhatTheSelectorsPick() throws {
        let slo = try SLOSpecs.parse(files: [
            (
                "s.yaml",
                """
                service: shop-api
                slos:
                  - name: reads
                    objective: 99.9%
                    indicator: {availability: {method: GET, routes: ['/v1/products/{sku}', /v1/products]}}
                """
            )
        ])[0]
        func series(_ route: String, _ status: String, _ values: [Double]) -> (String, ServiceRecording.Series) {
            let labels = ["http_request_method": "GET", "http_route": route, "http_response_status_code": status]
            let sample = ExpositionSample(metric: "http_server_request_duration_seconds_count", labels: labels, value: 0)
            return (sample.series, ServiceRecording.Series(metric: sample.metric, labels: labels, values: values))
        }
        let recording = ServiceRecording(
            step: 300,
            series: Dictionary(uniqueKeysWithValues: [
                series("/v1/products/{sku}", "200", [0, 10, 30, 60]),
                series("/v1/products", "200", [0, 5, 5, 10]),
                series("/v1/products/{sku}", "500", [0, 0, 2, 3]),
                series("/v1/inventory/{sku}", "500", [0, 50, 50, 50]),
            ]), boundaries: 4)
        let line = recording.timeline(slo)
        #expect(line.count == 3)
        #expect(line.sums(window: 300, endingAt: 0) == (bad: 0, total: 15))
        #expect(line.sums(window: 300, endingAt: 1) == (bad: 2, total: 22))
        #expect(line.sums(window: 300, endingAt: 2) == (bad: 1, total: 36))
    }
}

/// Prometheus's rule engine over a recording agrees with shop-slo's alerts, and says so when it does not.
@Suite struct PromtoolCrossCheckTests {
    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func promtoolAgreesOnEveryBoundaryAndCatchesADifference() async throws {
        let promtool = try #require(TestTools.promtool)
        let slo = try SLOSpecs.parse(files: [
            (
                "s.yaml",
                """
                service: shop-api
                slos:
                  - name: orders
                    objective: 99.9%
                    indicator: {availability: {method: POST, routes: [/v1/orders]}}
                """
            )
        ])[0]
        // A day in five-minute steps, 1,000 orders a step, every one failing for 15 minutes from 10:00.
        var good: [Double] = [0], bad: [Double] = [0]
        for step in 0..<288 {
            let failing = (120..<123).contains(step)
            good.append(good.last! + (failing ? 0 : 1_000))
            bad.append(bad.last! + (failing ? 1_000 : 0))
        }
        func series(_ status: String, _ values: [Double]) -> (String, ServiceRecording.Series) {
            let labels = ["http_request_method": "POST", "http_route": "/v1/orders", "http_response_status_code": status]
            let sample = ExpositionSample(metric: "http_server_request_duration_seconds_count", labels: labels, value: 0)
            return (sample.series, ServiceRecording.Series(metric: sample.metric, labels: labels, values: values))
        }
        let recording = ServiceRecording(
            step: 300, series: Dictionary(uniqueKeysWithValues: [series("201", good), series("500", bad)]), boundaries: 289)
        let incident = GameDay.ScheduledIncident(name: "outage", slo: "orders", expect: "page", start: 120 * 300, end: 123 * 300)
        let verdict = GameDay.verdict(slos: [slo], incidents: [incident], service: ["orders": recording.timeline(slo)], load: [:])
        #expect(verdict.alerts.contains { $0.severity == "page" } && verdict.alerts.contains { $0.severity == "ticket" })
        try await withTemporaryDirectory { directory in
            let same = try await PromtoolCrossCheck.run(
                promtool: promtool, slos: [slo], recording: recording, alerts: verdict.alerts, directory: directory + "/same")
            #expect(same.agrees, "\(same.report)")
            // Ended a step early, ended a step late, started a step late, or not fired at all: each differs.
            let page = try #require(verdict.alerts.firstIndex { $0.severity == "page" })
            let pageEnd = try #require(verdict.alerts[page].endSeconds)
            var changes: [[GameDayVerdict.Alert]] = []
            for change in [(0.0, -300.0), (0, 300), (300, 0)] {
                var alerts = verdict.alerts
                alerts[page].startSeconds += change.0
                alerts[page].endSeconds = pageEnd + change.1
                changes.append(alerts)
            }
            changes.append(verdict.alerts.filter { $0.severity != "page" })
            for (index, alerts) in changes.enumerated() {
                let different = try await PromtoolCrossCheck.run(
                    promtool: promtool, slos: [slo], recording: recording, alerts: alerts, directory: directory + "/different\(index)")
                #expect(!different.agrees, "change \(index)")
                #expect(different.report.contains("orders: DIFFERS") && different.report.contains("FAILED"), "change \(index)")
            }
        }
    }
}
