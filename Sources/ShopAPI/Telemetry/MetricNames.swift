/// Every metric the service exposes, named once. HTTP names follow the OpenTelemetry semantic conventions
/// rendered for Prometheus: units in the name, counters ending in `_total`.
public enum MetricNames {
    public static let requestDuration = "http_server_request_duration_seconds"
    public static let activeRequests = "http_server_active_requests"

    /// Bucket bounds (seconds) of the request histogram: every latency an SLO may name is a boundary.
    public static let requestDurationBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.5, 1, 2.5, 5, 10]

    /// `http_route` of a request no route matched: one value, so unknown paths cannot grow the series.
    public static let unmatchedRoute = "unmatched"
    /// `http_request_method` of a method outside the standard set (the semantic conventions' `_OTHER`).
    public static let otherMethod = "_OTHER"
}
