import Foundation
import ShopSupport

/// A capacity search's result: `shop-load capacity --out` writes it. Each step is a short replay of the
/// profile scaled to one peak rate, with its figures and why it failed if it did; `capacity` is the highest
/// peak at which every threshold and SLO held.
package struct CapacityResult: Codable, Sendable {
    package static let schemaVersion = "shop-load-capacity/1"

    package var schema = CapacityResult.schemaVersion
    package var profile: String
    package var profileFile: String
    package var target: String
    package var seed: UInt64
    package var startedAt: String
    /// Profile time each step replays, and the wall time it takes.
    package var profileSeconds: Double
    package var stepWallSeconds: Double
    package var precision: Double
    package var thresholds: [String]
    /// SLOs judged on each step's own counts; `unmeasured` ones (PromQL ratios) were not.
    package var slos: [String]
    package var unmeasured: [String]
    package var steps: [Step]
    /// The highest peak rate that held, nil if none did.
    package var capacity: Double?
    /// The lowest peak rate that failed, nil if none did.
    package var lowestFailed: Double?

    package struct Step: Codable, Sendable {
        package var peakRate: Double
        package var held: Bool
        /// Why it did not hold: failed thresholds, the check that stopped it, an SLO condition that held.
        package var failures: [String]
        package var wallSeconds: Double
        /// Profile time replayed (less than the profile's when the step stopped early).
        package var profileSeconds: Double
        package var completed: Int
        /// Requests per second asked and answered over the windows at the profile's peak.
        package var peakTarget: Double
        package var peakAchieved: Double
        package var errorRate: Double
        /// Corrected (from the intended start), seconds.
        package var p50: Double
        package var p99: Double
        package var uncorrectedP99: Double
        /// Share of sent requests that left late (waiting for a connection, or for the generator's CPU), and of
        /// arrivals dropped (still waiting when a failing step stopped, or over the in-flight cap).
        package var lateShare: Double
        package var droppedShare: Double

        /// The figures of a step's result; `failures` as judged by the caller.
        package init(peakRate: Double, result: LoadResult, failures: [String]) {
            self.peakRate = peakRate
            self.failures = failures
            held = failures.isEmpty
            wallSeconds = result.clocks.wallSeconds
            profileSeconds = result.clocks.profileEndSeconds - result.clocks.profileStartSeconds
            let all = result.summary.first { $0.endpoint == "all" }
            completed = all?.completed ?? 0
            errorRate = all?.errorRate ?? 0
            p50 = all?.corrected.p50 ?? 0
            p99 = all?.corrected.p99 ?? 0
            uncorrectedP99 = all?.uncorrected.p99 ?? 0
            lateShare = (all?.sent ?? 0) > 0 ? Double(all!.late) / Double(all!.sent) : 0
            droppedShare = (all?.scheduled ?? 0) > 0 ? Double(all!.dropped) / Double(all!.scheduled) : 0
            // The windows at the peak (within 10% of the busiest target) together: one window alone holds too few
            // arrivals at a low rate to say a rate.
            let wallWindow = result.clocks.windowSeconds / result.clocks.speed
            let busiest = result.windows.map(\.targetRequests).max() ?? 0
            let peak = result.windows.filter { $0.targetRequests >= 0.9 * busiest && busiest > 0 }
            let seconds = Double(peak.count) * wallWindow
            peakTarget = seconds > 0 ? peak.reduce(0) { $0 + $1.targetRequests } / seconds : 0
            peakAchieved =
                seconds > 0 ? Double(peak.reduce(0) { sum, window in sum + window.endpoints.values.reduce(0) { $0 + $1.completed } }) / seconds : 0
        }
    }

    package init(
        profile: String, profileFile: String, target: String, seed: UInt64, startedAt: String, profileSeconds: Double, stepWallSeconds: Double,
        precision: Double, thresholds: [String], slos: [String], unmeasured: [String]
    ) {
        self.profile = profile
        self.profileFile = profileFile
        self.target = target
        self.seed = seed
        self.startedAt = startedAt
        self.profileSeconds = profileSeconds
        self.stepWallSeconds = stepWallSeconds
        self.precision = precision
        self.thresholds = thresholds
        self.slos = slos
        self.unmeasured = unmeasured
        steps = []
    }

    /// The verdict in a line.
    package var conclusion: String {
        switch (capacity, lowestFailed) {
        case (let held?, let failed?):
            return
                "capacity: \(SummaryTable.short(held)) req/s at the peak (every threshold and SLO held; \(SummaryTable.short(failed)) req/s failed)"
        case (let held?, nil):
            return "capacity: at least \(SummaryTable.short(held)) req/s at the peak, the highest tried (raise --max-rate to search further)"
        case (nil, let failed?):
            return "capacity: below \(SummaryTable.short(failed)) req/s at the peak, the lowest tried (lower --min-rate to search further)"
        case (nil, nil):
            return "capacity: no step ran"
        }
    }

    /// The steps as a table, then the conclusion.
    package func render() -> String {
        let header = ["step", "peak req/s", "achieved at peak", "p50", "p99", "p99 from send", "errors", "late", "dropped", "verdict"]
        var rows = [header]
        for (index, step) in steps.enumerated() {
            rows.append([
                "\(index + 1)", SummaryTable.short(step.peakRate), SummaryTable.short(step.peakAchieved), SummaryTable.milliseconds(step.p50),
                SummaryTable.milliseconds(step.p99), SummaryTable.milliseconds(step.uncorrectedP99), Self.percent(step.errorRate),
                Self.percent(step.lateShare), Self.percent(step.droppedShare),
                step.held ? "held" : "FAILED: " + step.failures.joined(separator: "; "),
            ])
        }
        var lines = TextTable.lines(rows, leftAligned: [header.count - 1])
        lines.append(conclusion)
        return lines.joined(separator: "\n")
    }

    static func percent(_ share: Double) -> String { String(format: "%.2f%%", share * 100) }
}
