import Prometheus

/// The business series of one application, in its registry. Labels take only the values listed here, so
/// the series stay bounded.
public final class ShopMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        circuitState(.closed)
    }

    public enum OrderOutcome: String, Sendable, CaseIterable {
        case created, replayed, insufficientStock = "insufficient_stock", rejected
    }

    public enum CloseOutcome: String, Sendable {
        case ok, invalidState = "invalid_state"
    }

    public enum PaymentOutcome: String, Sendable {
        case captured, declined, error, retried, refunded
    }

    public enum GatewayOperation: String, Sendable {
        case charge, refund
    }

    public enum CircuitState: String, Sendable, CaseIterable {
        case closed, open, halfOpen = "half_open"
    }

    private func count(_ metric: MetricName, _ labels: [(String, String)] = []) {
        registry.makeCounter(descriptor: metric.descriptor, labels: labels).increment()
    }

    public func orderPlaced(_ outcome: OrderOutcome, valueMinorUnits: Int64? = nil) {
        count(MetricNames.ordersPlaced, [("outcome", outcome.rawValue)])
        switch outcome {
        case .created: count(MetricNames.stockReservations, [("result", "ok")])
        case .insufficientStock: count(MetricNames.stockReservations, [("result", "insufficient")])
        case .replayed: count(MetricNames.idempotentReplays)
        case .rejected: break
        }
        if let valueMinorUnits {
            registry.makeValueHistogram(descriptor: MetricNames.orderValue.descriptor, buckets: MetricNames.orderValueBuckets)
                .record(Double(valueMinorUnits))
        }
    }

    public func orderClosed(to status: String, _ outcome: CloseOutcome) {
        count(MetricNames.ordersClosed, [("to", status), ("outcome", outcome.rawValue)])
    }

    /// A warehouse pick: taken, or refused because the units were not there (a lost race included).
    public func stockPicked(succeeded: Bool) {
        count(MetricNames.stockPicks, [("result", succeeded ? "ok" : "conflict")])
    }

    public func payment(_ outcome: PaymentOutcome) {
        count(MetricNames.payments, [("outcome", outcome.rawValue)])
    }

    public func gatewayCall(_ operation: GatewayOperation, result: String, seconds: Double) {
        registry.makeValueHistogram(
            descriptor: MetricNames.gatewayDuration.descriptor, labels: [("operation", operation.rawValue), ("result", result)],
            buckets: MetricNames.requestDurationBuckets
        ).record(seconds)
    }

    /// The switchboard's settings after a change: one gauge per fault (`route` empty for the global ones).
    public func faultsChanged(_ settings: [(fault: String, route: String, value: Double)]) {
        for setting in settings {
            registry.makeGauge(descriptor: MetricNames.faultSetting.descriptor, labels: [("fault", setting.fault), ("http_route", setting.route)])
                .set(setting.value)
        }
        count(MetricNames.faultChanges)
    }

    /// One series per state, 1 for the current one: easy to graph and to alert on.
    public func circuitState(_ state: CircuitState) {
        for candidate in CircuitState.allCases {
            registry.makeGauge(descriptor: MetricNames.gatewayCircuitState.descriptor, labels: [("state", candidate.rawValue)])
                .set(candidate == state ? 1.0 : 0.0)
        }
    }
}
