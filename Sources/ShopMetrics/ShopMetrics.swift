import Prometheus
import ShopContract
import Synchronization

/// The business and dependency series of one application, in its registry. Labels take only the values
/// listed here, so the series stay bounded. Handles recorded on hot paths are made once, not looked up
/// in the registry (a lock and a label key) per event.
package final class ShopMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let connectionsUsed: Gauge
    private let connectionsPending: Gauge
    private let connectionWait: ValueHistogram
    private let statements = Mutex<[String: ValueHistogram]>([:])
    private let cacheCounters = Mutex<[String: Counter]>([:])
    private let openConnections: Gauge

    package init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        connectionsUsed = registry.makeGauge(descriptor: MetricNames.databaseConnections.descriptor, labels: [("state", "used")])
        connectionsPending = registry.makeGauge(descriptor: MetricNames.databasePending.descriptor)
        connectionWait = registry.makeValueHistogram(descriptor: MetricNames.databaseWait.descriptor, buckets: MetricNames.databaseBuckets)
        openConnections = registry.makeGauge(descriptor: MetricNames.openConnections.descriptor)
        circuitState(.closed)
        // Every reason exists at zero from the start, so a rate over it has a series before the first event.
        registry.zeroCounters(MetricNames.connectionsClosed, "reason", ConnectionCloseReason.self)
        registry.zeroCounters(MetricNames.authFailures, "reason", AuthFailureReason.self)
        // The outcomes SLOs count: an SLO on payment errors has a series (at 0) before the first error, so
        // its ratio reads 0 instead of no data, and its absent alert does not fire on a healthy quiet start.
        registry.zeroCounters(MetricNames.payments, "outcome", PaymentOutcome.self)
        registry.zeroCounters(MetricNames.ordersPlaced, "outcome", OrderOutcome.self)
        registry.zeroCounters(MetricNames.stockReservations, "result", ReservationResult.self)
        registry.zeroCounters(MetricNames.stockPicks, "result", PickResult.self)
        registry.zeroCounters(MetricNames.signIns, "outcome", SignInOutcome.self)
        registry.zeroCounters(MetricNames.refreshes, "outcome", RefreshOutcome.self)
        registry.zeroCounters(MetricNames.registrations, "outcome", RegistrationOutcome.self)
        registry.zeroCounters(MetricNames.signOuts, "outcome", SignOutOutcome.self)
        _ = registry.makeCounter(descriptor: MetricNames.idempotentReplays.descriptor)
        _ = registry.makeCounter(descriptor: MetricNames.acceptErrors.descriptor)
    }

    /// Why the server let go of a client's connection.
    package enum ConnectionCloseReason: String, Sendable, CaseIterable {
        /// Kept alive with no request for the idle timeout.
        case idleTimeout = "idle_timeout"
        /// Its request head did not arrive whole in time (slowloris).
        case headTimeout = "head_timeout"
        /// Its request body paused longer than allowed.
        case bodyTimeout = "body_timeout"
        /// Closed, while it waited or stalled, to make room for a new connection at the cap.
        case evicted
        /// A new connection refused at the cap, every open one busy with a request.
        case refused
        /// A new connection refused because its address holds its share of the cap already.
        case addressLimit = "address_limit"
    }

    /// Why a request's credentials were refused.
    package enum AuthFailureReason: String, Sendable, CaseIterable {
        /// Not a Bearer token, or not a JWT at all.
        case malformed
        /// A signature that does not verify, an unknown algorithm or critical extension, missing claims.
        case invalid
        case expired
        /// Its `nbf` or `iat` lies in the future.
        case notYetValid = "not_yet_valid"
        /// A role the API does not know, or no subject.
        case unknownRole = "unknown_role"
    }

    package func connectionOpened() { openConnections.increment() }
    package func connectionClosed() { openConnections.decrement() }

    package func connectionClosed(_ reason: ConnectionCloseReason) {
        count(MetricNames.connectionsClosed, [("reason", reason.rawValue)])
    }

    package func acceptFailed() { count(MetricNames.acceptErrors) }

    package func authFailed(_ reason: AuthFailureReason) {
        count(MetricNames.authFailures, [("reason", reason.rawValue)])
    }

    package enum OrderOutcome: String, Sendable, CaseIterable {
        case created, replayed, insufficientStock = "insufficient_stock", rejected
    }

    /// The `result` label values of stock reservations and picks, registered at zero from the start.
    private enum ReservationResult: String, CaseIterable { case ok, insufficient }
    private enum PickResult: String, CaseIterable { case ok, conflict }

    package enum CloseOutcome: String, Sendable {
        case ok, invalidState = "invalid_state"
    }

    package enum PaymentOutcome: String, Sendable, CaseIterable {
        case captured, declined, error, retried, refunded
    }

    package enum GatewayOperation: String, Sendable {
        case charge, refund
    }

    package enum CircuitState: String, Sendable, CaseIterable {
        case closed, open, halfOpen = "half_open"
    }

    func count(_ metric: MetricName, _ labels: [(String, String)] = []) {
        registry.makeCounter(descriptor: metric.descriptor, labels: labels).increment()
    }

    package func orderPlaced(_ outcome: OrderOutcome, valueMinorUnits: Int64? = nil) {
        count(MetricNames.ordersPlaced, [("outcome", outcome.rawValue)])
        switch outcome {
        case .created: count(MetricNames.stockReservations, [("result", ReservationResult.ok.rawValue)])
        case .insufficientStock: count(MetricNames.stockReservations, [("result", ReservationResult.insufficient.rawValue)])
        case .replayed: count(MetricNames.idempotentReplays)
        case .rejected: break
        }
        if let valueMinorUnits {
            registry.makeValueHistogram(descriptor: MetricNames.orderValue.descriptor, buckets: MetricNames.orderValueBuckets)
                .record(Double(valueMinorUnits))
        }
    }

    package func orderClosed(to status: String, _ outcome: CloseOutcome) {
        count(MetricNames.ordersClosed, [("to", status), ("outcome", outcome.rawValue)])
    }

    /// A warehouse pick: taken, or refused because the units were not there (a lost race included).
    package func stockPicked(succeeded: Bool) {
        count(MetricNames.stockPicks, [("result", (succeeded ? PickResult.ok : .conflict).rawValue)])
    }

    package func payment(_ outcome: PaymentOutcome) {
        count(MetricNames.payments, [("outcome", outcome.rawValue)])
    }

    package func gatewayCall(_ operation: GatewayOperation, result: String, seconds: Double) {
        registry.makeValueHistogram(
            descriptor: MetricNames.gatewayDuration.descriptor, labels: [("operation", operation.rawValue), ("result", result)],
            buckets: MetricNames.requestDurationBuckets
        ).record(seconds)
    }

    /// One database statement: `system` is `postgresql` or `sqlite`, `operation` a bounded name (`update inventory`).
    package func databaseStatement(system: String, operation: String, seconds: Double, failed: Bool) {
        let outcome = failed ? "error" : "ok"
        let key = system + "|" + operation + "|" + outcome
        let histogram = statements.withLock { known in
            if let histogram = known[key] { return histogram }
            let histogram = registry.makeValueHistogram(
                descriptor: MetricNames.databaseOperation.descriptor,
                labels: [("db_system_name", system), ("db_operation_name", operation), ("outcome", outcome)],
                buckets: MetricNames.databaseBuckets)
            known[key] = histogram
            return histogram
        }
        histogram.record(seconds)
    }

    package func databasePool(maximumConnections: Int) {
        registry.makeGauge(descriptor: MetricNames.databaseMaxConnections.descriptor).set(Double(maximumConnections))
    }

    /// A request began waiting for a pooled connection.
    package func databaseLeaseRequested() {
        connectionsPending.increment()
    }

    /// It got one after `waitedSeconds`.
    package func databaseLeaseAcquired(waitedSeconds: Double) {
        connectionsPending.decrement()
        connectionsUsed.increment()
        connectionWait.record(waitedSeconds)
    }

    package func databaseLeaseReleased() {
        connectionsUsed.decrement()
    }

    /// The switchboard's settings after a change: one gauge per fault (`route` empty for the global ones).
    package func faultsChanged(_ settings: [(fault: String, route: String, value: Double)]) {
        for setting in settings {
            registry.makeGauge(descriptor: MetricNames.faultSetting.descriptor, labels: [("fault", setting.fault), ("http_route", setting.route)])
                .set(setting.value)
        }
        count(MetricNames.faultChanges)
    }

    /// A cache lookup in `keyspace` (a value the code chooses: `catalog`, `stock`).
    package func cacheLookup(keyspace: String, hit: Bool) {
        let result = hit ? "hit" : "miss"
        cacheCounters.withLock { counters in
            let key = keyspace + " " + result
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(descriptor: MetricNames.cacheLookups.descriptor, labels: [("keyspace", keyspace), ("result", result)])
            counters[key] = counter
            return counter
        }.increment()
    }

    package func dependencyUp(_ dependency: String, _ up: Bool) {
        registry.makeGauge(descriptor: MetricNames.dependencyUp.descriptor, labels: [("dependency", dependency)]).set(up ? 1.0 : 0.0)
    }

    /// A rate-limit decision; `scope` is `user`, `ip` or `route`.
    package func rateLimitDecision(scope: String, allowed: Bool) {
        count(MetricNames.rateLimitDecisions, [("scope", scope), ("decision", allowed ? "allowed" : "limited")])
    }

    /// One series per state, 1 for the current one: easy to graph and to alert on.
    package func circuitState(_ state: CircuitState) {
        for candidate in CircuitState.allCases {
            registry.makeGauge(descriptor: MetricNames.gatewayCircuitState.descriptor, labels: [("state", candidate.rawValue)])
                .set(candidate == state ? 1.0 : 0.0)
        }
    }
}

extension PrometheusCollectorRegistry {
    /// The counter `metric` at zero for every value of `label`, after the `fixed` labels (in the order the
    /// counting call gives them), so a rate over it has a series before the first event.
    package func zeroCounters<Values: CaseIterable & RawRepresentable<String>>(
        _ metric: MetricName, _ label: String, _ values: Values.Type, after fixed: [(String, String)] = []
    ) {
        for value in Values.allCases { _ = makeCounter(descriptor: metric.descriptor, labels: fixed + [(label, value.rawValue)]) }
    }
}
