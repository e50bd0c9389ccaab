import Foundation
import LoadProfile
import LoadReport
import NIOCore
import SLOAdapters
import SLOMath
import SLOSpec
import ShopAuth
import ShopDomain
import ShopLoad
import ShopSupport

/// A game day: replays the plan's profile against a running shop-api, compressed, while reading the
/// service's own counters at every step of the profile's clock; then evaluates the SLOs' alerts on that
/// clock, checks them against Prometheus's rule engine (promtool), and says whether every incident was
/// caught in time by the right alert with no false page. Writes the load result, its HTML report with the
/// verdict in it, the verdict's JSON and promtool's files.
package enum GameDayRun {
    package static func play(_ plan: GameDayPlan, say: @escaping @Sendable (String) -> Void) async throws -> GameDayVerdict {
        let profile = plan.profile
        let speed = plan.speed
        let keys: AccessTokenKeys
        do { keys = try await AccessTokenKeys(secret: plan.secret) } catch { throw GameDayError(error.description) }
        let (customers, admin) = try await keys.loadTestTokens(users: profile.users, lifetime: plan.wallSeconds + 3_600)
        let configuration = LoadRunConfiguration(
            target: plan.target, profile: profile, profileFile: plan.profileFile, speed: speed, end: profile.duration, seed: plan.seed,
            customerTokens: customers, adminToken: admin)
        let run = LoadRun(configuration)
        do { try await run.prepare() } catch { throw GameDayError("\(error)") }
        let base = plan.target.absoluteString.hasSuffix("/") ? String(plan.target.absoluteString.dropLast()) : plan.target.absoluteString
        let recorder = ServiceRecorder(baseURL: base, slos: plan.slos, step: profile.window, speed: speed, duration: profile.duration)
        say(
            "game day: \(profile.name), \(DurationText.text(profile.duration)) of profile time in \(DurationText.text(plan.wallSeconds)) "
                + "(speed \(SummaryTable.short(speed))×), \(profile.incidents.count) incidents, steps of \(DurationText.text(profile.window))")
        let result = try await replay(run, recorder: recorder, say: say)
        let summarising = ContinuousClock.now
        say("  replay done: \(result.summary.first { $0.endpoint == "all" }?.completed ?? 0) requests; evaluating")
        // Requests in flight at the last boundary have finished: read it again.
        await recorder.scrape(recorder.recording.boundaries - 1)
        let data = recorder.recording

        var service: [String: SLITimeline] = [:]
        var load: [String: SLITimeline] = [:]
        for slo in plan.slos {
            service[slo.name] = data.timeline(slo)
            if let line = LoadResultSource.timeline(slo, result) { load[slo.name] = line }
        }
        var verdict = GameDay.verdict(slos: plan.slos, incidents: incidents(profile, speed: speed), service: service, load: load) {
            profile.expectedRequests(from: $0, to: $1, speed: 1)
        }
        let checking = ContinuousClock.now
        say("  evaluated in \(DurationText.exact((checking - summarising).seconds)); Prometheus's rule engine on the same counts")
        let check = try await PromtoolCrossCheck.run(
            promtool: plan.promtool, slos: plan.slos, recording: data, alerts: verdict.alerts, directory: plan.promtoolDirectory)
        verdict.prometheusAgrees = check.agrees
        verdict.prometheusReport = check.report
        verdict.prometheusTies = check.ties
        say("  promtool done in \(DurationText.exact((ContinuousClock.now - checking).seconds))")
        if recorder.failedScrapes > 0 { say("  \(recorder.failedScrapes) scrapes of \(base)/metrics failed; their counts moved to the next step") }
        try write(result, verdict, plan)
        return verdict
    }

    /// The replay, with the service's counters read at each step and a progress line every 30 s.
    private static func replay(_ run: LoadRun, recorder: ServiceRecorder, say: @escaping @Sendable (String) -> Void) async throws -> LoadResult {
        let recording = Task {
            while run.started == nil { try? await Task.sleep(for: .milliseconds(1)) }
            await recorder.record(from: run.started!)
        }
        let progress = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(30))
                let snapshot = run.progress.take()
                if !Task.isCancelled { say("  \(snapshot.completed) requests, \(snapshot.errors) errors, \(snapshot.dropped) dropped") }
            }
        }
        defer { progress.cancel() }
        do {
            let result = try await run.run { say("  " + $0) }
            await recording.value
            return result
        } catch {
            recording.cancel()
            throw GameDayError("\(error)")
        }
    }

    /// The profile's incidents as the verdict schedules them, each with the delay before its requests are
    /// counted: the slowest latency it injects, on the profile's clock.
    static func incidents(_ profile: Profile, speed: Double) -> [GameDay.ScheduledIncident] {
        profile.incidents.map { incident in
            let faults = incident.faults
            let latency =
                ([faults.gatewayLatencyMilliseconds, faults.databaseLatencyMilliseconds] + faults.routes.values.map(\.latencyMilliseconds)).max() ?? 0
            return GameDay.ScheduledIncident(
                name: incident.name, slo: incident.slo, expect: incident.expect.rawValue, start: incident.start, end: incident.end,
                countDelay: Double(latency) / 1000 * speed)
        }
    }

    /// The result and its report with the verdict in it, and the verdict's JSON.
    private static func write(_ result: LoadResult, _ verdict: GameDayVerdict, _ plan: GameDayPlan) throws {
        let report = ResultFile.reportPath(for: plan.out)
        try ResultFile.write(result, to: plan.out, report: report)
        if var html = try? String(contentsOfFile: report, encoding: .utf8), let end = html.range(of: "</body>", options: .backwards) {
            html.insert(contentsOf: GameDayText.html(verdict), at: end.lowerBound)
            try html.write(toFile: report, atomically: true, encoding: .utf8)
        }
        try prettyJSON(verdict).write(toFile: plan.verdictFile, atomically: true, encoding: .utf8)
    }
}
