import Prometheus
import SLOSpec
import ShopContract
import ShopMetrics

/// `shop-slo alert`'s own metrics, in a registry its `/metrics` renders.
package struct AlerterMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry

    /// With `slos`, their evaluation counters and the notification counters start at zero, so the first
    /// scrape already has the series that `rate()` and an absence alert read.
    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), slos: [String] = []) {
        self.registry = registry
        for slo in slos { registry.zeroCounters(MetricNames.sloEvaluations, "outcome", EvaluationOutcome.self, after: [("slo", slo)]) }
        registry.zeroCounters(MetricNames.sloNotifications, "outcome", NotificationOutcome.self)
    }

    enum EvaluationOutcome: String, CaseIterable { case ok, failed }
    enum NotificationOutcome: String, CaseIterable { case sent, failed }

    func evaluated(_ slo: String, ok: Bool) {
        let outcome: EvaluationOutcome = ok ? .ok : .failed
        registry.makeCounter(descriptor: MetricNames.sloEvaluations.descriptor, labels: [("slo", slo), ("outcome", outcome.rawValue)]).increment()
    }

    func notified(ok: Bool, alerts: Int) {
        let outcome: NotificationOutcome = ok ? .sent : .failed
        registry.makeCounter(descriptor: MetricNames.sloNotifications.descriptor, labels: [("outcome", outcome.rawValue)]).increment(
            by: Int64(alerts))
    }

    func record(_ report: BudgetReport) {
        for window in report.windows {
            registry.makeGauge(descriptor: MetricNames.sloBurnRate.descriptor, labels: [("slo", report.slo), ("window", window.window)]).set(
                window.burnRate ?? 0)
        }
        if let budget = report.budget {
            registry.makeGauge(descriptor: MetricNames.sloBudgetRemaining.descriptor, labels: [("slo", report.slo)]).set(budget.left)
        }
    }

    func active(_ slo: String, _ severity: String, _ on: Bool) {
        registry.makeGauge(descriptor: MetricNames.sloAlertActive.descriptor, labels: [("slo", slo), ("severity", severity)]).set(on ? 1.0 : 0.0)
    }
}
