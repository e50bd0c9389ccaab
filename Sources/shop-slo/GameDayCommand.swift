import ArgumentParser
import Foundation
import LoadProfile
import LoadReport
import NIOCore
import ShopAuth
import ShopLoad
import ShopSupport
import SLOAdapters
import SLOMath
import SLOSpec

/// `shop-slo gameday`: replays a game-day profile (a month with scheduled incidents) against a running
/// shop-api, compressed, while reading the service's own counters at every step of the profile's clock;
/// then evaluates the SLOs' alerts on that clock, checks them against Prometheus's rule engine, and says
/// whether every incident was caught in time by the right alert with no false page.
struct GameDayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gameday",
        abstract: "Replay a month with scheduled incidents and prove each is caught in time by the right alert, with no false page.",
        discussion: "Exit status: 0 the verdict passed, 2 it failed, 1 the game day could not run. loadtests/gameday starts what it needs and runs this.")

    @Argument(help: "A game-day profile (a path, or a name in loadtests/).")
    var profile: String

    @OptionGroup var specs: SpecOptions

    @Option(help: "The shop-api to replay against.")
    var target = "http://127.0.0.1:8080"

    @Option(help: "HS256 secret of the target, to sign in customers and set the switchboard.")
    var jwtSecret: String

    @Option(help: "Wall time of the replay; with start-up and Prometheus's check a month's game day then takes under 15 minutes.")
    var duration = "12m"

    @Option(help: "The SLOs' period for this game day (28d for the 28-day variant); default each spec's own.")
    var period: String?

    @Option(help: "Seed of the arrival schedule.")
    var seed: UInt64 = 20_261_121

    @Option(help: "The load result (JSON); its HTML report, with the verdict in it, goes beside it.")
    var out = "gameday.json"

    @Option(help: "promtool, to run Prometheus's rule engine over the same data.")
    var promtool = "promtool"

    @Flag(help: "Print the verdict as JSON.")
    var json = false

    func run() async throws {
        var passed = false
        try await Failing.oneLine {
            passed = try await play()
        }
        if !passed { throw ExitCode(2) }
    }

    func play() async throws -> Bool {
        var slos = try specs.load()
        if let period {
            guard let seconds = DurationText.seconds(period), seconds >= 86_400 else { throw CommandFailure("--period \(period) is not a duration of a day or more") }
            for index in slos.indices { slos[index].period = .rolling(seconds) }
        }
        let (file, text): (String, String)
        do { (file, text) = try ProfileFiles.read(profile) } catch { throw CommandFailure("\(error)") }
        let profile: Profile
        do { profile = try Profile(yaml: text, file: file) } catch { throw CommandFailure(error.description) }
        guard !profile.incidents.isEmpty else { throw CommandFailure("\(file): incidents: a game day needs at least one") }
        for incident in profile.incidents where !slos.contains(where: { $0.name == incident.slo }) {
            throw CommandFailure("\(file): incident \(incident.name): no SLO named \(incident.slo) (there are \(slos.map(\.name).joined(separator: ", ")))")
        }
        guard let wall = DurationText.seconds(duration), wall > 0 else { throw CommandFailure("--duration \(duration) is not a duration (12m)") }
        guard let url = URL(string: target), url.scheme == "http", url.host != nil else { throw CommandFailure("--target must be an http:// URL") }
        let promtoolPath = promtool.contains("/") ? promtool : (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":").map { "\($0)/\(promtool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let promtoolPath else { throw CommandFailure("\(promtool) not found (Debian: apt-get install prometheus)") }

        let speed = profile.duration / wall
        let keys: AccessTokenKeys
        do { keys = try await AccessTokenKeys(secret: jwtSecret) } catch { throw CommandFailure(error.description) }
        let (customers, admin) = try await keys.loadTestTokens(users: profile.users, lifetime: wall + 3_600)
        let configuration = LoadRunConfiguration(
            target: url, profile: profile, profileFile: file, speed: speed, end: profile.duration, seed: seed, customerTokens: customers, adminToken: admin)
        let run = LoadRun(configuration)
        do { try await run.prepare() } catch { throw CommandFailure("\(error)") }
        let base = url.absoluteString.hasSuffix("/") ? String(url.absoluteString.dropLast()) : url.absoluteString
        let recorder = ServiceRecorder(baseURL: base, slos: slos, step: profile.window, speed: speed, duration: profile.duration)
        say("game day: \(profile.name), \(DurationText.text(profile.duration)) of profile time in \(DurationText.text(wall)) (speed \(SummaryTable.short(speed))×), \(profile.incidents.count) incidents, steps of \(DurationText.text(profile.window))")
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
        let result: LoadResult
        do {
            result = try await run.run { say("  " + $0) }
        } catch {
            progress.cancel()
            recording.cancel()
            throw CommandFailure("\(error)")
        }
        progress.cancel()
        let summarising = ContinuousClock.now
        say("  replay done: \(result.summary.first { $0.endpoint == "all" }?.completed ?? 0) requests; evaluating")
        await recording.value
        // Requests in flight at the last boundary have finished: read it again.
        await recorder.scrape(recorder.recording.boundaries - 1)
        let data = recorder.recording

        let incidents = profile.incidents.map { incident in
            let faults = incident.faults
            let latency = ([faults.gatewayLatencyMilliseconds, faults.databaseLatencyMilliseconds] + faults.routes.values.map(\.latencyMilliseconds)).max() ?? 0
            return GameDay.ScheduledIncident(
                name: incident.name, slo: incident.slo, expect: incident.expect.rawValue, start: incident.start, end: incident.end,
                countDelay: Double(latency) / 1000 * speed)
        }
        var service: [String: SLITimeline] = [:]
        var load: [String: SLITimeline] = [:]
        for slo in slos {
            service[slo.name] = data.timeline(slo)
            if let line = LoadResultSource.timeline(slo, result) { load[slo.name] = line }
        }
        var verdict = GameDay.verdict(slos: slos, incidents: incidents, service: service, load: load) { profile.expectedRequests(from: $0, to: $1, speed: 1) }
        let checking = ContinuousClock.now
        say("  evaluated in \(DurationText.exact((checking - summarising).seconds)); Prometheus's rule engine on the same counts")
        let directory = (out.hasSuffix(".json") ? String(out.dropLast(5)) : out) + "-promtool"
        let check = try PromtoolCrossCheck.run(promtool: promtoolPath, slos: slos, recording: data, alerts: verdict.alerts, directory: directory)
        verdict.prometheusAgrees = check.agrees
        verdict.prometheusReport = check.report
        verdict.prometheusTies = check.ties
        say("  promtool done in \(DurationText.exact((ContinuousClock.now - checking).seconds))")
        if recorder.failedScrapes > 0 { say("  \(recorder.failedScrapes) scrapes of \(base)/metrics failed; their counts moved to the next step") }

        let report = ResultFile.reportPath(for: out)
        try ResultFile.write(result, to: out, report: report)
        if var html = try? String(contentsOfFile: report, encoding: .utf8), let end = html.range(of: "</body>", options: .backwards) {
            html.insert(contentsOf: GameDayText.html(verdict), at: end.lowerBound)
            try html.write(toFile: report, atomically: true, encoding: .utf8)
        }
        let verdictFile = (out.hasSuffix(".json") ? String(out.dropLast(5)) : out) + "-verdict.json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(verdict).write(to: URL(fileURLWithPath: verdictFile))
        if json { say(String(decoding: try encoder.encode(verdict), as: UTF8.self)) } else { say(GameDayText.render(verdict)) }
        say("verdict: \(verdictFile); promtool's test file and rules: \(directory)/")
        return verdict.passed
    }
}

/// A line on standard output at once, not when a buffer fills: progress shows as it happens in a pipe or a file too.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
