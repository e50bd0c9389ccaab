import Foundation
import LoadProfile
import LoadReport
import SLOAdapters
import SLOMath
import SLOSpec
import ShopLoad
import ShopSupport

/// What a capacity search asks: a replay as `shop-load run` would make it (its peak rate is what the search
/// moves), the SLOs every step must hold, and how far and how finely to search.
package struct CapacityPlan: Sendable {
    /// Target, profile, tokens, seed, engine limits: each step replays this, scaled to its peak.
    package var run: LoadRunConfiguration
    package var slos: [ServiceLevelObjective]
    /// The first peak rate tried (req/s); the profile's own by default.
    package var from: Double
    package var minimum: Double
    package var maximum: Double
    /// Wall seconds each step's replay of `run.end` of profile time takes.
    package var stepWallSeconds: Double
    package var precision = 0.05
    package var maxSteps = 8
    /// Wall seconds between steps, for the service to drain what a failed step queued.
    package var cooldown = 5.0

    package init(run: LoadRunConfiguration, slos: [ServiceLevelObjective], stepWallSeconds: Double) {
        self.run = run
        self.slos = slos
        self.stepWallSeconds = stepWallSeconds
        from = run.profile.peakRate
        minimum = from / 64
        maximum = from * 64
    }
}

/// The highest peak rate at which every threshold of the profile and every SLO holds: short replays of the
/// profile scaled to one peak each, from `from` up by doubling (or down by halving) and then bisecting
/// (`CapacityBisection`). A step fails on a failed threshold or an SLO's page or ticket condition (the
/// generated alerts' burn-rate conditions, on the step's own counts and profile clock); both are checked as
/// it runs, so a failing step stops early.
package enum CapacitySearch {
    package static func run(_ plan: CapacityPlan, say: @escaping @Sendable (String) -> Void) async throws -> CapacityResult {
        let profile = plan.run.profile
        let unmeasured = BurnRateCheck.unmeasured(plan.slos)
        var result = CapacityResult(
            profile: profile.name, profileFile: plan.run.profileFile, target: plan.run.target.absoluteString, seed: plan.run.seed,
            startedAt: Date().formatted(.iso8601), profileSeconds: plan.run.end, stepWallSeconds: plan.stepWallSeconds, precision: plan.precision,
            thresholds: profile.thresholds.map(\.expression),
            slos: plan.slos.map(\.name).filter { !unmeasured.contains($0) }, unmeasured: unmeasured)
        let slos = BurnRateCheck(slos: plan.slos, abortOn: .ticket)
        var search = CapacityBisection(from: plan.from, ceiling: plan.maximum, floor: plan.minimum, precision: plan.precision)
        while let rate = search.next, result.steps.count < plan.maxSteps {
            if !result.steps.isEmpty, plan.cooldown > 0 { try await Task.sleep(for: .seconds(plan.cooldown)) }
            var configuration = plan.run
            configuration.profile = profile.withPeakRate(rate)
            configuration.speed = plan.run.end / plan.stepWallSeconds
            configuration.checks = [ThresholdCheck(delay: profile.window), slos]
            say(
                "step \(result.steps.count + 1): peak \(SummaryTable.short(rate)) req/s, \(DurationText.text(plan.run.end)) of profile time in \(DurationText.text(plan.stepWallSeconds))"
            )
            let run = LoadRun(configuration)
            let replay = try await run.run { say("  " + $0) }
            var failures = replay.thresholds.filter { !$0.passed }.map { "\($0.expression) (observed \(SummaryTable.observed($0)))" }
            if let stop = replay.stop {
                // Stopped by a check: what it saw, unless a failed threshold already says it.
                if stop.reason == BurnRateCheck.reason || failures.isEmpty { failures.append(stop.detail) }
            } else if let held = slos.reached(in: replay, at: replay.clocks.profileEndSeconds) {
                // Judged whole once it ends: a condition that held after the last live look counts too.
                failures.append(held)
            }
            let step = CapacityResult.Step(peakRate: rate, result: replay, failures: failures)
            result.steps.append(step)
            say("  \(step.held ? "held" : "FAILED: " + failures.joined(separator: "; "))")
            search.record(rate, held: step.held)
        }
        result.capacity = search.highestHeld
        result.lowestFailed = search.lowestFailed
        return result
    }
}
