import Foundation
import LoadProfile
import Prometheus
import ShopContract
import ShopMetrics
import Synchronization

/// `shop-load run --metrics-port`'s series: the client's side of a rehearsal, for the Prometheus that scrapes
/// the service. Latency histograms have the service's bucket bounds, so the client's p99 and the server's
/// read side by side (the gap is queueing and the network). Names are in `MetricNames`.
package final class LiveMetrics: Sendable {
    package let registry = PrometheusCollectorRegistry()
    let targetRate: Gauge
    let achievedRate: Gauge
    let inFlight: Gauge
    let profileTime: Gauge
    private let lastSample = Mutex<(wallSeconds: Double, completed: Int)>((0, 0))

    package init(_ configuration: LoadRunConfiguration) {
        targetRate = registry.makeGauge(descriptor: MetricNames.loadTargetRate.descriptor)
        achievedRate = registry.makeGauge(descriptor: MetricNames.loadAchievedRate.descriptor)
        inFlight = registry.makeGauge(descriptor: MetricNames.loadInFlight.descriptor)
        profileTime = registry.makeGauge(descriptor: MetricNames.loadProfileTime.descriptor)
        registry.makeGauge(descriptor: MetricNames.loadProfileEnd.descriptor).set(configuration.end)
        registry.makeGauge(
            descriptor: MetricNames.loadRunInfo.descriptor,
            labels: [
                ("profile", configuration.profile.name), ("seed", String(configuration.seed)), ("shard", configuration.shard.description),
                ("target", configuration.target.absoluteString),
            ]
        ).set(1.0)
        // Every endpoint of the mix exists at zero from the start, so a rate over it has a series before the first event.
        for endpoint in configuration.profile.mix.weights.map(\.endpoint) {
            _ = histogram(MetricNames.loadDuration, endpoint)
            _ = histogram(MetricNames.loadUncorrectedDuration, endpoint)
            _ = counter(MetricNames.loadLate, endpoint)
            _ = counter(MetricNames.loadDropped, endpoint)
        }
    }

    func histogram(_ name: MetricName, _ endpoint: Endpoint) -> ValueHistogram {
        registry.makeValueHistogram(
            descriptor: name.descriptor, labels: [("endpoint", endpoint.rawValue)], buckets: MetricNames.requestDurationBuckets)
    }

    func counter(_ name: MetricName, _ endpoint: Endpoint, code: String? = nil) -> Counter {
        registry.makeCounter(descriptor: name.descriptor, labels: [("endpoint", endpoint.rawValue)] + (code.map { [("code", $0)] } ?? []))
    }

    /// The gauges now: the profile's clock, the target rate, in flight, and (over a second at least, so a
    /// scrape between two samples reads a steady rate) the achieved rate; zero once `final`.
    func sample(wallSeconds: Double, profileTime: Double, targetRate: Double, totals: ProgressBoard.Snapshot, final: Bool) {
        self.profileTime.set(profileTime)
        self.targetRate.set(targetRate)
        inFlight.set(Double(totals.inFlight))
        lastSample.withLock { last in
            guard wallSeconds - last.wallSeconds >= 1 || final else { return }
            achievedRate.set(final ? 0 : Double(totals.completed - last.completed) / (wallSeconds - last.wallSeconds))
            last = (wallSeconds, totals.completed)
        }
    }

    /// The exposition, in Prometheus's text format.
    package func render() -> [UInt8] {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return bytes
    }

    /// One worker's handles, made once and kept (the registry looks a series up under a lock and a label key).
    /// Confined to the worker's loop.
    package final class Recorder {
        private struct Series {
            var corrected: ValueHistogram
            var uncorrected: ValueHistogram
            var late: Counter
            var dropped: Counter
            /// By status code, 0 for no answer.
            var answers: [Int: Counter] = [:]
        }

        private let metrics: LiveMetrics
        private var series: [Series?] = Array(repeating: nil, count: Endpoint.allCases.count)

        package init(_ metrics: LiveMetrics) { self.metrics = metrics }

        private func handles(_ endpoint: Endpoint) -> Series {
            if let known = series[endpoint.ordinal] { return known }
            let made = Series(
                corrected: metrics.histogram(MetricNames.loadDuration, endpoint),
                uncorrected: metrics.histogram(MetricNames.loadUncorrectedDuration, endpoint), late: metrics.counter(MetricNames.loadLate, endpoint),
                dropped: metrics.counter(MetricNames.loadDropped, endpoint))
            series[endpoint.ordinal] = made
            return made
        }

        /// An answer (`code`), or no answer (nil); `uncorrected` is nil for a request never sent.
        package func completed(_ endpoint: Endpoint, code: Int?, late: Bool, corrected: Int64, uncorrected: Int64?) {
            var handles = handles(endpoint)
            let key = code ?? 0
            let counter: Counter
            if let known = handles.answers[key] {
                counter = known
            } else {
                counter = metrics.counter(MetricNames.loadRequests, endpoint, code: code.map(String.init) ?? "error")
                handles.answers[key] = counter
                series[endpoint.ordinal] = handles
            }
            counter.increment()
            if late { handles.late.increment() }
            handles.corrected.record(Double(corrected) / 1e9)
            if let uncorrected { handles.uncorrected.record(Double(uncorrected) / 1e9) }
        }

        package func dropped(_ endpoint: Endpoint) { handles(endpoint).dropped.increment() }
    }
}
