import Prometheus
import ShopContract

extension MetricName {
    /// The family's name and help as swift-prometheus registers them.
    package var descriptor: MetricNameDescriptor { MetricNameDescriptor(metricName: name, unitName: "", helpText: help) }
}
