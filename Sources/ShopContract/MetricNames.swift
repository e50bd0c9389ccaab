/// A metric family: its name and the help text Prometheus shows for it.
package struct MetricName: Sendable, CustomStringConvertible {
    package let name: String
    package let help: String

    init(_ name: String, _ help: String) {
        self.name = name
        self.help = help
    }

    package var description: String { name }
}

/// Every metric the service exposes, named once. HTTP names follow the OpenTelemetry semantic conventions
/// rendered for Prometheus: units in the name, counters ending in `_total`.
package enum MetricNames {
    package static let requestDuration = MetricName("http_server_request_duration_seconds", "Duration of HTTP server requests")
    package static let activeRequests = MetricName("http_server_active_requests", "HTTP requests being served")
    package static let openConnections = MetricName("shop_http_connections_open", "Client connections open now")
    package static let connectionsClosed = MetricName(
        "shop_http_connections_closed_total",
        "Client connections the server closed or refused, by reason (idle_timeout, head_timeout, body_timeout, evicted, refused, address_limit)")
    package static let acceptErrors = MetricName(
        "shop_http_accept_errors_total", "Failures to accept a connection (out of file descriptors), each followed by a pause")
    package static let authFailures = MetricName("shop_auth_failures_total", "Requests refused for their credentials, by reason")
    package static let signIns = MetricName(
        "shop_auth_sign_ins_total", "Sign-ins by outcome (success, failed: no such account or a wrong password, disabled, throttled)")
    package static let refreshes = MetricName(
        "shop_auth_refreshes_total", "Refresh-token presentations by outcome (rotated, reused: the family revoked, invalid, expired, disabled)")
    package static let registrations = MetricName("shop_auth_registrations_total", "Registrations by outcome (created, exists, rejected)")
    package static let signOuts = MetricName("shop_auth_sign_outs_total", "Sign-outs by outcome (revoked, unknown)")

    package static let ordersPlaced = MetricName("shop_orders_placed_total", "Order placements by outcome")
    package static let ordersClosed = MetricName("shop_orders_closed_total", "Cancellations and refunds by outcome")
    package static let orderValue = MetricName("shop_order_value_minor_units", "Totals of placed orders in minor units")
    package static let stockReservations = MetricName("shop_stock_reservations_total", "Stock reservations for orders by result")
    package static let stockPicks = MetricName("shop_stock_picks_total", "Warehouse picks by result")
    package static let idempotentReplays = MetricName("shop_idempotent_replays_total", "Order requests answered again from their Idempotency-Key")
    package static let payments = MetricName("shop_payments_total", "Payment attempts by outcome")
    package static let gatewayDuration = MetricName("payment_gateway_client_duration_seconds", "Duration of calls to the payment gateway")
    package static let gatewayCircuitState = MetricName("payment_gateway_circuit_breaker_state", "1 for the circuit breaker's current state")

    package static let databaseOperation = MetricName("db_client_operation_duration_seconds", "Duration of database statements by operation")
    package static let databaseConnections = MetricName("db_client_connections", "Pooled database connections by state (used: leased to a request)")
    package static let databasePending = MetricName("db_client_connection_pending_requests", "Requests waiting for a pooled database connection")
    package static let databaseWait = MetricName("db_client_connection_wait_time_seconds", "Time spent waiting for a pooled database connection")
    package static let databaseMaxConnections = MetricName("db_client_connection_max", "Largest number of pooled database connections")

    package static let cacheLookups = MetricName("shop_cache_lookups_total", "Cache lookups by key space and result (hit, miss)")
    package static let dependencyUp = MetricName(
        "shop_dependency_up", "1 while an optional dependency is in use, 0 while the service works without it")
    package static let rateLimitDecisions = MetricName(
        "shop_rate_limit_decisions_total", "Rate-limit decisions by scope and decision (allowed, limited)")

    package static let faultSetting = MetricName(
        "shop_fault_setting", "A fault the switchboard injects now (ratios 0-1, latencies in seconds); 0 when off")
    package static let faultChanges = MetricName("shop_fault_changes_total", "Changes made to the fault switchboard")

    package static let spansExported = MetricName("shop_trace_spans_exported_total", "Spans accepted by the OTLP receiver")
    package static let spansDropped = MetricName(
        "shop_trace_spans_dropped_total", "Spans lost before export, by reason (queue_full, export_failed)")

    package static let processCPU = MetricName("process_cpu_seconds_total", "User and system CPU time spent in seconds")
    package static let processResidentMemory = MetricName("process_resident_memory_bytes", "Resident memory size in bytes")
    package static let processOpenFDs = MetricName("process_open_fds", "Number of open file descriptors")
    package static let processStartTime = MetricName("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds")
    package static let buildInfo = MetricName("shop_api_build_info", "Always 1; the labels say which build is running")

    // `shop-slo alert`'s own exposition.
    package static let sloEvaluations = MetricName("shop_slo_evaluations_total", "SLO evaluations against Prometheus by SLO and outcome (ok, failed)")
    package static let sloNotifications = MetricName("shop_slo_notifications_total", "Posts of alerts to Alertmanager by outcome (sent, failed)")
    package static let sloBurnRate = MetricName("shop_slo_burn_rate", "Error-budget burn rate over each alert window at the last evaluation")
    package static let sloBudgetRemaining = MetricName(
        "shop_slo_error_budget_remaining_ratio", "Share of the period's error budget left at the last evaluation")
    package static let sloAlertActive = MetricName("shop_slo_alert_active", "1 while an SLO's alert of this severity is firing")

    // `shop-load run --metrics-port`'s exposition: the client's side of a rehearsal, beside the service's.
    package static let loadRequests = MetricName(
        "shop_load_requests_total", "Requests the load generator got an answer to, by endpoint and status code (error: no answer)")
    package static let loadDuration = MetricName(
        "shop_load_request_duration_seconds", "Latency from each request's intended start (coordinated omission corrected), by endpoint")
    package static let loadUncorrectedDuration = MetricName(
        "shop_load_request_uncorrected_duration_seconds", "Latency from each request's actual send, by endpoint")
    package static let loadLate = MetricName(
        "shop_load_late_requests_total", "Requests sent later than the late tolerance after their intended start")
    package static let loadDropped = MetricName("shop_load_dropped_requests_total", "Arrivals never sent: over the in-flight cap, or the run stopped")
    package static let loadTargetRate = MetricName(
        "shop_load_target_requests_per_second", "Requests per second the profile asks of this generator now")
    package static let loadAchievedRate = MetricName(
        "shop_load_achieved_requests_per_second", "Requests per second answered over the last second")
    package static let loadInFlight = MetricName("shop_load_in_flight_requests", "Requests admitted and not yet answered")
    package static let loadProfileTime = MetricName("shop_load_profile_time_seconds", "Where the replay is on the profile's clock")
    package static let loadProfileEnd = MetricName("shop_load_profile_end_seconds", "Profile time at which the replay ends")
    package static let loadRunInfo = MetricName("shop_load_run_info", "Always 1; the labels say which replay this generator runs")

    /// Bucket bounds (seconds) of request and gateway histograms: every latency an SLO may name is a boundary.
    package static let requestDurationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10]
    /// Bucket bounds (seconds) for database statements and connection waits: finer at the low end.
    package static let databaseBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    /// Order totals in minor units: 5 to 5,000 in the shop's currency.
    package static let orderValueBuckets: [Double] = [500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000]

    /// `http_route` of a request no route matched: one value, so unknown paths cannot grow the series.
    package static let unmatchedRoute = "unmatched"
    /// `http_request_method` of a method outside the standard set (the semantic conventions' `_OTHER`).
    package static let otherMethod = "_OTHER"
}
