import AsyncHTTPClient
import Foundation
import NIOCore
import SLOMath
import SLOSpec
import ShopContract
import Synchronization

/// A service's own counters through a replay, read from its `/metrics` at every window boundary of the
/// profile's clock: what Prometheus would have scraped had it run on that clock. Only the series some
/// SLO selects are kept, counted from the replay's start. A series first seen at boundary k was 0 before it (the service creates a series
/// at its first increment), so its values are filled with 0 back to the start: rates over any window are
/// then exact, in shop-slo's sums and in Prometheus's rule engine alike.
package struct ServiceRecording: Sendable {
    /// Profile seconds between boundaries.
    package var step: Double
    /// Counter values by series (`metric{labels}`), one per boundary from 0 to `boundaries - 1`.
    package var series: [String: Series]
    package var boundaries: Int

    package init(step: Double, series: [String: Series], boundaries: Int) {
        self.step = step
        self.series = series
        self.boundaries = boundaries
    }

    package struct Series: Sendable {
        package var metric: String
        package var labels: [String: String]
        package var values: [Double]

        package init(metric: String, labels: [String: String], values: [Double]) {
            self.metric = metric
            self.labels = labels
            self.values = values
        }
    }

    /// Bad and total per step of `slo`'s indicator, summed over the series its selectors pick.
    package func timeline(_ slo: ServiceLevelObjective) -> SLITimeline {
        let query = slo.indicator.query
        let total = increments(query.total)
        let bad: [Double]
        switch query.numerator {
        case .bad(let selector): bad = increments(selector)
        case .good(let selector): bad = zip(total, increments(selector)).map { max($0 - $1, 0) }
        }
        var line = SLITimeline(step: step)
        for index in total.indices { line.append(bad: min(bad[index], total[index]), total: total[index]) }
        return line
    }

    func increments(_ selector: PromSelector) -> [Double] {
        var sums = Array(repeating: 0.0, count: max(boundaries - 1, 0))
        for series in series.values where selector.selects(metric: series.metric, labels: series.labels) {
            for index in sums.indices { sums[index] += max(series.values[index + 1] - series.values[index], 0) }
        }
        return sums
    }
}

/// Scrapes `/metrics` at each boundary of a replay's profile clock (the boundary's wall time is the run's
/// start plus profile time over speed) and builds the recording.
package final class ServiceRecorder: Sendable {
    let url: String
    let selectors: [PromSelector]
    let step: Double
    let speed: Double
    let boundaries: Int
    /// Series → values seen, by boundary.
    private let seen = Mutex<[String: (ExpositionSample, [Int: Double])]>([:])
    /// Metric names some selector names: other lines are not parsed.
    let metrics: Set<String>
    /// Whether a series (by its text) is selected, decided once: regexes are not cheap.
    private let selected = Mutex<[String: Bool]>([:])
    private let failures = Mutex(0)

    package init(baseURL: String, slos: [ServiceLevelObjective], step: Double, speed: Double, duration: Double) {
        url = baseURL + APIRoute.metrics.path()
        selectors = slos.flatMap(\.indicator.query.selectors)
        metrics = Set(selectors.map(\.metric))
        self.step = step
        self.speed = speed
        boundaries = Int((duration / step).rounded(.up)) + 1
    }

    /// Scrapes that failed (the value before is kept for them).
    package var failedScrapes: Int { failures.withLock { $0 } }

    /// Scrapes boundary 0 now, then each later one at `start` + its wall time, until the last; returns when
    /// the last is read or the task is cancelled.
    /// Each scrape starts at its boundary's time whether or not the one before has answered: a month at
    /// 3,600× puts boundaries 83 ms apart, and in sequence one slow answer at a busy peak would delay every
    /// boundary after it, not only its own.
    package func record(from start: NIODeadline) async {
        await withTaskGroup(of: Void.self) { group in
            for boundary in 0..<boundaries {
                if boundary > 0 {
                    let due = start + .nanoseconds(Int64(Double(boundary) * step / speed * 1e9))
                    let wait = due - NIODeadline.now()
                    if wait > .zero { try? await Task.sleep(for: .nanoseconds(wait.nanoseconds)) }
                }
                if Task.isCancelled { break }
                group.addTask { await self.scrape(boundary) }
            }
        }
    }

    /// Reads the boundary again after the run (requests in flight at its end have finished by now).
    package func scrape(_ boundary: Int) async {
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
            let text = String(buffer: try await response.body.collect(upTo: 32 * 1024 * 1024))
            let lines = text.split(separator: "\n").filter { line in
                guard let end = line.firstIndex(where: { $0 == "{" || $0 == " " }) else { return false }
                return metrics.contains(String(line[..<end]))
            }
            let samples = ExpositionSample.parse(lines.joined(separator: "\n")).filter { sample in
                let key = sample.series
                if let known = selected.withLock({ $0[key] }) { return known }
                let chosen = selectors.contains { $0.selects(metric: sample.metric, labels: sample.labels) }
                selected.withLock { $0[key] = chosen }
                return chosen
            }
            seen.withLock { seen in
                for sample in samples { seen[sample.series, default: (sample, [:])].1[boundary] = sample.value }
            }
        } catch {
            failures.withLock { $0 += 1 }
        }
    }

    package var recording: ServiceRecording {
        let seen = seen.withLock { $0 }
        var series: [String: ServiceRecording.Series] = [:]
        for (key, (sample, values)) in seen {
            var filled: [Double] = []
            var last = 0.0
            for boundary in 0..<boundaries {
                if let value = values[boundary] { last = value }
                filled.append(last)
            }
            // Counted from the replay's start: what came before is not the game day's, and a counter that
            // starts at 0 is one Prometheus does not extrapolate back from.
            let origin = filled.first ?? 0
            filled = filled.map { max($0 - origin, 0) }
            series[key] = ServiceRecording.Series(metric: sample.metric, labels: sample.labels, values: filled)
        }
        return ServiceRecording(step: step, series: series, boundaries: boundaries)
    }
}
