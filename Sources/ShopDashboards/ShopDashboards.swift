import Foundation
import SLOMath
import SLOSpec
import ShopContract
import ShopSupport

/// The dashboards `shop-slo dashboards` writes into `dashboards/`: the service (RED per route, saturation,
/// dependencies), its SLOs (from the specs), the business, and load tests. Every query names the service's
/// own series (`MetricNames`), the generated rules' (`PrometheusRules`), or Prometheus's `ALERTS`.
package enum ShopDashboards {
    typealias Query = GrafanaDashboard.Query
    static let requests = MetricNames.requestDuration.name
    static let rate = "$__rate_interval"

    package static func all(slos: [ServiceLevelObjective]) -> [(file: String, dashboard: GrafanaDashboard)] {
        [
            ("shop-api-service.json", service()), ("shop-api-slos.json", objectives(slos)), ("shop-api-business.json", business()),
            ("shop-api-load-tests.json", loadTests()),
        ]
    }

    package static func json(_ dashboard: GrafanaDashboard) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(dashboard), as: UTF8.self) + "\n"
    }

    static func quantile(_ q: Double, _ histogram: String, by: String, filter: String = "") -> String {
        "histogram_quantile(\(q), sum by (le, \(by)) (rate(\(histogram)_bucket\(filter)[\(rate)])))"
    }

    static func service() -> GrafanaDashboard {
        var board = GrafanaDashboard(
            uid: "shop-api-service", title: "shop-api: service", description: "RED per route, saturation and dependencies.", tags: ["shop-api"])
        board.row("Requests, errors, duration (per route)")
        board.panel(
            "Requests by route", unit: "reqps",
            [Query("sum by (http_request_method, http_route) (rate(\(requests)_count[\(rate)]))", legend: "{{http_request_method}} {{http_route}}")])
        board.panel(
            "Server errors (5xx) by route", unit: "percentunit",
            [
                Query(
                    "sum by (http_request_method, http_route) (rate(\(requests)_count{http_response_status_code=~\"5..\"}[\(rate)])) / sum by (http_request_method, http_route) (rate(\(requests)_count[\(rate)]))",
                    legend: "{{http_request_method}} {{http_route}}")
            ])
        board.panel(
            "Client errors (4xx) by status", unit: "reqps",
            [
                Query(
                    "sum by (http_response_status_code) (rate(\(requests)_count{http_response_status_code=~\"4..\"}[\(rate)]))",
                    legend: "{{http_response_status_code}}")
            ])
        board.panel(
            "p99 by route", unit: "s",
            [Query(quantile(0.99, requests, by: "http_request_method, http_route"), legend: "{{http_request_method}} {{http_route}}")])
        board.panel(
            "p50 by route", unit: "s",
            [Query(quantile(0.5, requests, by: "http_request_method, http_route"), legend: "{{http_request_method}} {{http_route}}")])
        board.panel("In flight", unit: "short", [Query("sum(\(MetricNames.activeRequests.name))", legend: "requests")])
        board.row("Clients: connections and credentials")
        board.panel("Open connections", unit: "short", width: 6, [Query("sum(\(MetricNames.openConnections.name))", legend: "open")])
        board.panel(
            "Connections closed or refused, by reason", unit: "cps", width: 6,
            description: "Slow heads and bodies, idle keep-alives, evictions at the cap, refusals.",
            [Query("sum by (reason) (rate(\(MetricNames.connectionsClosed.name)[\(rate)]))", legend: "{{reason}}")])
        board.panel(
            "Refused credentials, by reason", unit: "reqps", width: 6,
            [Query("sum by (reason) (rate(\(MetricNames.authFailures.name)[\(rate)]))", legend: "{{reason}}")])
        board.panel(
            "Accept failures", unit: "cps", width: 6, description: "Out of file descriptors: each pauses accepting for a second.",
            [Query("sum(rate(\(MetricNames.acceptErrors.name)[\(rate)]))", legend: "failures")])
        board.row("Saturation")
        board.panel("CPU", unit: "percentunit", width: 6, [Query("rate(\(MetricNames.processCPU.name)[\(rate)])", legend: "{{instance}}")])
        board.panel("Resident memory", unit: "bytes", width: 6, [Query(MetricNames.processResidentMemory.name, legend: "{{instance}}")])
        board.panel("Open file descriptors", unit: "short", width: 6, [Query(MetricNames.processOpenFDs.name, legend: "{{instance}}")])
        board.panel(
            "Database pool", unit: "short", width: 6,
            [
                Query("sum by (state) (\(MetricNames.databaseConnections.name))", legend: "{{state}}"),
                Query("sum(\(MetricNames.databaseMaxConnections.name))", legend: "max"),
                Query("sum(\(MetricNames.databasePending.name))", legend: "waiting"),
            ])
        board.row("Dependencies")
        board.panel(
            "Database statements p99", unit: "s",
            [Query(quantile(0.99, MetricNames.databaseOperation.name, by: "db_operation_name"), legend: "{{db_operation_name}}")])
        board.panel(
            "Database connection wait p99", unit: "s", [Query(quantile(0.99, MetricNames.databaseWait.name, by: "instance"), legend: "{{instance}}")])
        board.panel("Dependencies in use", unit: "short", min: 0, max: 1, [Query(MetricNames.dependencyUp.name, legend: "{{dependency}}")])
        board.panel(
            "Payment gateway p99", unit: "s",
            [Query(quantile(0.99, MetricNames.gatewayDuration.name, by: "operation, result"), legend: "{{operation}} {{result}}")])
        board.panel("Gateway circuit breaker", unit: "short", [Query("\(MetricNames.gatewayCircuitState.name) == 1", legend: "{{state}}")])
        board.panel(
            "Cache hit ratio", unit: "percentunit",
            [
                Query(
                    "sum by (keyspace) (rate(\(MetricNames.cacheLookups.name){result=\"hit\"}[\(rate)])) / sum by (keyspace) (rate(\(MetricNames.cacheLookups.name)[\(rate)]))",
                    legend: "{{keyspace}}")
            ])
        return board
    }

    static func objectives(_ slos: [ServiceLevelObjective]) -> GrafanaDashboard {
        var board = GrafanaDashboard(
            uid: "shop-api-slos", title: "shop-api: SLOs",
            description: "Per SLO: the SLI over its period, the error budget left, burn rates over the alert windows, alerts.",
            tags: ["shop-api", "slo"])
        for slo in slos {
            let selector = "{slo=\"\(slo.name)\"}"
            let period = PrometheusRules.errorRatio(slo.period.seconds) + selector
            let budget = PrometheusRules.errorBudgetSeries + selector
            board.row("\(slo.displayName): \(PrometheusRules.percent(slo.objective)) over \(DurationText.exact(slo.period.seconds))")
            board.panel("SLI over the period", type: "stat", unit: "percentunit", width: 4, height: 6, [Query("1 - \(period)", legend: "SLI")])
            board.panel(
                "Error budget left", type: "stat", unit: "percentunit", width: 4, height: 6, [Query("1 - \(period) / \(budget)", legend: "left")])
            let windows = slo.alertConditions.flatMap { [$0.longWindow, $0.shortWindow] }
            board.panel(
                "Burn rate per alert window", unit: "x", width: 10, height: 6,
                description:
                    "1× spends the budget in exactly the period; page at \(PrometheusRules.number(slo.alertConditions[0].factor))× over \(DurationText.exact(slo.alertConditions[0].longWindow)).",
                Array(Set(windows)).sorted().map { Query("\(PrometheusRules.errorRatio($0))\(selector) / \(budget)", legend: DurationText.exact($0)) }
            )
            board.panel(
                "Alerts", unit: "short", width: 6, height: 6,
                [Query("sum by (severity) (ALERTS{alertname=\"\(slo.alertName)\", alertstate=\"firing\"})", legend: "{{severity}}")])
        }
        return board
    }

    static func business() -> GrafanaDashboard {
        var board = GrafanaDashboard(
            uid: "shop-api-business", title: "shop-api: business", description: "Orders, revenue, payments, stock and accounts.",
            tags: ["shop-api", "business"])
        board.row("Orders")
        board.panel(
            "Orders per minute by outcome", unit: "short",
            [Query("sum by (outcome) (rate(\(MetricNames.ordersPlaced.name)[\(rate)])) * 60", legend: "{{outcome}}")])
        board.panel(
            "Revenue per hour (currency units)", unit: "short",
            [Query("sum(rate(\(MetricNames.orderValue.name)_sum[\(rate)])) * 3600 / 100", legend: "revenue")])
        board.panel(
            "Median order value (currency units)", unit: "short",
            [Query("histogram_quantile(0.5, sum by (le) (rate(\(MetricNames.orderValue.name)_bucket[\(rate)]))) / 100", legend: "median")])
        board.panel(
            "Cancellations and refunds per minute", unit: "short",
            [Query("sum by (to, outcome) (rate(\(MetricNames.ordersClosed.name)[\(rate)])) * 60", legend: "{{to}} {{outcome}}")])
        board.panel(
            "Idempotent replays per minute", unit: "short",
            [Query("sum(rate(\(MetricNames.idempotentReplays.name)[\(rate)])) * 60", legend: "replays")])
        board.row("Payments and stock")
        board.panel(
            "Payment attempts per minute by outcome", unit: "short",
            [Query("sum by (outcome) (rate(\(MetricNames.payments.name)[\(rate)])) * 60", legend: "{{outcome}}")])
        board.panel(
            "Stock reservations by result", unit: "short",
            [Query("sum by (result) (rate(\(MetricNames.stockReservations.name)[\(rate)])) * 60", legend: "{{result}}")])
        board.panel(
            "Warehouse picks by result", unit: "short",
            [Query("sum by (result) (rate(\(MetricNames.stockPicks.name)[\(rate)])) * 60", legend: "{{result}}")])
        board.row("Accounts")
        board.panel(
            "Sign-ins per minute by outcome", unit: "short",
            description: "failed: no such account or a wrong password (one outcome, as it is one answer); throttled: past the failed sign-in limit.",
            [Query("sum by (outcome) (rate(\(MetricNames.signIns.name)[\(rate)])) * 60", legend: "{{outcome}}")])
        board.panel(
            "Refreshes per minute by outcome", unit: "short",
            description:
                "reused: a rotated refresh token came back, so every token of its sign-in was revoked (stolen, or a client that lost an answer).",
            [Query("sum by (outcome) (rate(\(MetricNames.refreshes.name)[\(rate)])) * 60", legend: "{{outcome}}")])
        board.panel(
            "Registrations and sign-outs per minute", unit: "short",
            [
                Query("sum by (outcome) (rate(\(MetricNames.registrations.name)[\(rate)])) * 60", legend: "register {{outcome}}"),
                Query("sum by (outcome) (rate(\(MetricNames.signOuts.name)[\(rate)])) * 60", legend: "sign-out {{outcome}}"),
            ])
        return board
    }

    static func loadTests() -> GrafanaDashboard {
        var board = GrafanaDashboard(
            uid: "shop-api-load-tests", title: "shop-api: load tests",
            description:
                "A shop-load replay from both sides: what the service served, how fast, what was injected, what ran out; and, with --metrics-port, what the generator asked, sent and saw (the gap between its corrected p99 and the server's is queueing and the network).",
            tags: ["shop-api", "load-test"])
        board.row("What the service served")
        board.panel(
            "Requests per second", unit: "reqps",
            [
                Query("sum(rate(\(requests)_count[\(rate)]))", legend: "all"),
                Query("sum(rate(\(requests)_count{http_response_status_code=~\"5..\"}[\(rate)]))", legend: "5xx"),
                Query("sum(rate(\(requests)_count{http_response_status_code=\"429\"}[\(rate)]))", legend: "429"),
            ])
        board.panel(
            "Latency, all routes", unit: "s",
            [
                Query("histogram_quantile(0.5, sum by (le) (rate(\(requests)_bucket[\(rate)])))", legend: "p50"),
                Query("histogram_quantile(0.99, sum by (le) (rate(\(requests)_bucket[\(rate)])))", legend: "p99"),
            ])
        board.panel(
            "Orders per second by outcome", unit: "reqps",
            [Query("sum by (outcome) (rate(\(MetricNames.ordersPlaced.name)[\(rate)]))", legend: "{{outcome}}")])
        board.row("What the generator sent (shop-load run --metrics-port)")
        board.panel(
            "Target, achieved and served", unit: "reqps",
            [
                Query("sum(\(MetricNames.loadTargetRate.name))", legend: "target (profile)"),
                Query("sum(rate(\(MetricNames.loadRequests.name)[\(rate)]))", legend: "achieved (client)"),
                Query("sum(rate(\(requests)_count[\(rate)]))", legend: "served (server)"),
            ])
        board.panel(
            "p99: client from intended start, client from send, server", unit: "s",
            [
                Query("histogram_quantile(0.99, sum by (le) (rate(\(MetricNames.loadDuration.name)_bucket[\(rate)])))", legend: "client, corrected"),
                Query(
                    "histogram_quantile(0.99, sum by (le) (rate(\(MetricNames.loadUncorrectedDuration.name)_bucket[\(rate)])))",
                    legend: "client, from send"),
                Query("histogram_quantile(0.99, sum by (le) (rate(\(requests)_bucket[\(rate)])))", legend: "server"),
            ])
        board.panel(
            "Answers by status code (client)", unit: "reqps",
            [Query("sum by (code) (rate(\(MetricNames.loadRequests.name)[\(rate)]))", legend: "{{code}}")])
        board.panel(
            "Late, dropped and in flight (client)", unit: "short",
            [
                Query("sum(rate(\(MetricNames.loadLate.name)[\(rate)]))", legend: "late per second"),
                Query("sum(rate(\(MetricNames.loadDropped.name)[\(rate)]))", legend: "dropped per second"),
                Query("sum(\(MetricNames.loadInFlight.name))", legend: "in flight"),
            ])
        board.panel(
            "Profile clock", unit: "s",
            [
                Query("max(\(MetricNames.loadProfileTime.name))", legend: "profile time"),
                Query("max(\(MetricNames.loadProfileEnd.name))", legend: "end"),
            ])
        board.row("Injected faults and limits")
        board.panel("Fault switchboard", unit: "short", [Query("\(MetricNames.faultSetting.name) > 0", legend: "{{fault}} {{http_route}}")])
        board.panel(
            "Rate-limit decisions", unit: "reqps",
            [Query("sum by (scope, decision) (rate(\(MetricNames.rateLimitDecisions.name)[\(rate)]))", legend: "{{scope}} {{decision}}")])
        board.panel(
            "In flight and waiting for a connection", unit: "short",
            [
                Query("sum(\(MetricNames.activeRequests.name))", legend: "in flight"),
                Query("sum(\(MetricNames.databasePending.name))", legend: "waiting for the database"),
            ])
        board.row("Resources")
        board.panel("CPU", unit: "percentunit", width: 12, [Query("rate(\(MetricNames.processCPU.name)[\(rate)])", legend: "{{instance}}")])
        board.panel("Resident memory", unit: "bytes", width: 12, [Query(MetricNames.processResidentMemory.name, legend: "{{instance}}")])
        return board
    }
}
