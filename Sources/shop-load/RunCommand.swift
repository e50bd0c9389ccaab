import ArgumentParser
import Foundation
import LoadProfile
import LoadReport
import NIOCore
import SLOAdapters
import SLOMath
import SLOSpec
import ShopAuth
import ShopCommandLine
import ShopLoad
import ShopSupport

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay PROFILE against --target and write a JSON result and an HTML report.")

    @Argument(help: "A profile file, or the name of one in loadtests/ (smoke, daily, flash-sale…).")
    var profile: String

    @OptionGroup var target: TargetOption

    @Option(help: "Time compression: profile seconds per wall second (default: the profile's own).")
    var speed: Double?

    @Option(help: "Wall time the replay should take (e.g. 10m): sets the speed. Not with --speed.")
    var duration: String?

    @Option(help: "Replay only up to this profile time (e.g. 2h): a part of a long profile.")
    var until: String?

    @Option(name: .customLong("peak-rps"), help: "Scale the profile so its peak is this many requests per second.")
    var peakRPS: Double?

    @Option(name: .customLong("base-rps"), help: "Set the profile's base rate (multiplier 1) in requests per second.")
    var baseRPS: Double?

    @Option(help: "Seed of the schedule and the choices (default: random, printed).")
    var seed: UInt64?

    @Option(help: "This generator's part of a run split over several: i/n.")
    var shard: String?

    @Option(help: "Threads sending requests, each with its own socket loop and connections.")
    var workers = 1

    @Option(help: "Keep-alive connections per worker.")
    var connections = 64

    @Option(name: .customLong("max-in-flight"), help: "Requests admitted per worker before arrivals are dropped.")
    var maxInFlight = 10_000

    @Option(name: .customLong("late-tolerance"), help: "A request sent later than this after its intended start counts as late.")
    var lateTolerance = "10ms"

    @Option(
        name: .customLong("send-ahead"),
        help:
            "Arrivals due within this much of a timer's wake-up are sent with it, early by at most this much (measured from their actual send); more saves CPU at high rates."
    )
    var sendAhead = "2ms"

    @Option(
        name: .customLong("collect-interval"),
        help:
            "While no request waits for a connection, answers are read at most this often, several per wake-up (latency is still from the kernel's receive time); 0 reads each as it comes."
    )
    var collectInterval = "5ms"

    /// To mint customer and admin tokens.
    @OptionGroup var secret: SecretOptions

    @Option(name: .customLong("token-file"), help: "Customer tokens, one per line (from shop-api token), instead of minting them.")
    var tokenFile: String?

    @Option(help: "The JSON result.")
    var out = "shop-load-result.json"

    @Option(help: "The HTML report (default: the result's name with .html).")
    var report: String?

    @Option(help: "Progress output: auto (a live line on a terminal, periodic lines otherwise), line, plain or off.")
    var progress = "auto"

    @Option(name: .customLong("metrics-port"), help: "Serve the run's live metrics for Prometheus at http://HOST:PORT/metrics while it runs.")
    var metricsPort: Int?

    @Option(name: .customLong("metrics-host"), help: "The address --metrics-port listens on (0.0.0.0 for every interface).")
    var metricsHost = "127.0.0.1"

    @Option(
        name: .customLong("metrics-linger"),
        help: "Keep serving the metrics this long after the run (e.g. 30s), so the last scrape sees the final counts.")
    var metricsLinger = "0s"

    @Flag(name: .customLong("abort-on-fail"), help: "Stop the run as soon as a threshold fails on the counts so far (exit status 3).")
    var abortOnFail = false

    @Option(
        name: .customLong("abort-delay"),
        help: "Profile time before --abort-on-fail first judges the thresholds (default: one window of the profile).")
    var abortDelay: String?

    @Option(name: .customLong("slo"), help: "SLO spec files or folders (repeatable) for --abort-on: checked on the run's own counts.")
    var slos: [String] = []

    @Option(
        name: .customLong("abort-on"),
        help: "page or ticket: stop the run once the --slo SLOs' burn-rate alert of that severity would fire (exit status 4).")
    var abortOn: String?

    func run() async throws {
        var status = ExitStatus.passed
        try await OneLineFailures.run("shop-load") { status = try await replay() }
        if status != ExitStatus.passed { throw ExitCode(status) }
    }

    private func replay() async throws -> Int32 {
        let environment = ProcessInfo.processInfo.environment
        let (file, text) = try ProfileFiles.read(profile)
        var profile = try Profile(yaml: text, file: file)
        if let baseRPS {
            guard baseRPS > 0 else { throw LoadRunError("--base-rps must be positive") }
            profile.baseRate = baseRPS
        }
        if let peakRPS {
            guard peakRPS > 0 else { throw LoadRunError("--peak-rps must be positive") }
            profile = profile.withPeakRate(peakRPS)
        }
        var end = profile.duration
        if let until {
            guard let seconds = DurationText.seconds(until), seconds > 0 else { throw LoadRunError("--until \(until) is not a duration (2h, 30m)") }
            end = min(seconds, profile.duration)
        }
        var speed = profile.speed
        switch (self.speed, duration) {
        case (.some, .some): throw LoadRunError("give --speed or --duration, not both")
        case (.some(let given), nil):
            guard given > 0, given.isFinite else { throw LoadRunError("--speed must be a positive number") }
            speed = given
        case (nil, .some(let text)):
            guard let wall = DurationText.seconds(text), wall > 0 else { throw LoadRunError("--duration \(text) is not a duration (10m, 90s)") }
            speed = end / wall
        case (nil, nil): break
        }
        let url = try target.url()
        var parsedShard = Shard.whole
        if let shard {
            guard let parsed = Shard(parsing: shard) else { throw LoadRunError("--shard must be i/n with 0 ≤ i < n, such as 0/2") }
            parsedShard = parsed
        }
        guard workers >= 1, connections >= 1, maxInFlight >= 1 else {
            throw LoadRunError("--workers, --connections and --max-in-flight must be at least 1")
        }
        guard let tolerance = DurationText.seconds(lateTolerance) else { throw LoadRunError("--late-tolerance \(lateTolerance) is not a duration") }
        let ahead = try Self.engineDelay(sendAhead, flag: "--send-ahead")
        let collect = try Self.engineDelay(collectInterval, flag: "--collect-interval")

        let checks = try checks(profile)
        var linger = 0.0
        if let metricsPort {
            guard (1...65_535).contains(metricsPort) else { throw LoadRunError("--metrics-port must be a port number, 1 to 65535") }
            guard let seconds = DurationText.seconds(metricsLinger), seconds >= 0 else {
                throw LoadRunError("--metrics-linger \(metricsLinger) is not a duration (30s, 1m)")
            }
            linger = seconds
        }

        let lifetime = end / speed + 3_600
        let (customers, admin) = try await tokens(users: profile.users, lifetime: lifetime, environment: environment)
        let seed = seed ?? UInt64.random(in: 1...UInt64(UInt32.max))
        var configuration = LoadRunConfiguration(
            target: url, profile: profile, profileFile: file, speed: speed, end: end, seed: seed, customerTokens: customers, adminToken: admin)
        configuration.shard = parsedShard
        configuration.workers = workers
        configuration.limits.connections = connections
        configuration.limits.maxInFlight = maxInFlight
        configuration.limits.lateTolerance = .nanoseconds(Int64(tolerance * 1e9))
        configuration.limits.sendAhead = .nanoseconds(Int64(ahead * 1e9))
        configuration.limits.collectInterval = .nanoseconds(Int64(collect * 1e9))
        configuration.checks = checks
        if let metricsPort {
            configuration.metricsAddress = (metricsHost, metricsPort)
            configuration.metricsLinger = linger
        }

        let run = LoadRun(configuration)
        try await run.prepare()
        let output = ProgressOutput(mode: progress, run: run)
        output.line(
            "shop-load: \(profile.name) against \(url.absoluteString): \(DurationText.text(end)) of profile time in \(DurationText.text(end / speed)) of wall time (speed \(SummaryTable.short(speed))×), peak \(SummaryTable.short(profile.peakRate)) req/s, seed \(seed)\(parsedShard == .whole ? "" : ", shard \(parsedShard)")"
        )
        let interrupt = Interrupt { run.stop() }
        defer { interrupt.cancel() }
        let reporter = Task { await output.report() }
        if let at = configuration.metricsAddress { output.line("shop-load: live metrics at http://\(at.host):\(at.port)/metrics") }
        let result: LoadResult
        do {
            result = try await run.run { output.line($0) }
        } catch {
            reporter.cancel()
            throw error
        }
        reporter.cancel()
        output.finish()

        print(SummaryTable(result).render())
        try ResultFile.write(result, to: out, report: report)
        if let stop = result.stop { return stop.reason == ThresholdCheck(delay: 0).reason ? ExitStatus.abortedOnThreshold : ExitStatus.abortedOnSLO }
        if result.interrupted { return ExitStatus.interrupted }
        return result.passed ? ExitStatus.passed : ExitStatus.thresholdFailed
    }

    /// What `--abort-on-fail` and `--slo … --abort-on` ask the run to check as it goes.
    private func checks(_ profile: Profile) throws -> [any LiveCheck] {
        var checks: [any LiveCheck] = []
        if abortOnFail {
            var delay = profile.window
            if let abortDelay {
                guard let seconds = DurationText.seconds(abortDelay), seconds >= 0 else {
                    throw LoadRunError("--abort-delay \(abortDelay) is not a duration (5m, 1h)")
                }
                delay = seconds
            }
            if profile.thresholds.isEmpty { note("shop-load", "--abort-on-fail: the profile has no thresholds to judge") }
            checks.append(ThresholdCheck(delay: delay))
        } else if abortDelay != nil {
            throw LoadRunError("--abort-delay goes with --abort-on-fail")
        }
        switch (abortOn, slos.isEmpty) {
        case (nil, true): break
        case (nil, false): throw LoadRunError("--slo goes with --abort-on page|ticket")
        case (.some, true): throw LoadRunError("--abort-on needs the SLOs to check: give --slo FILE|FOLDER")
        case (.some(let text), false):
            guard let severity = BurnRateAlert.Severity(rawValue: text) else { throw LoadRunError("--abort-on \(text) must be page or ticket") }
            let reading = try SpecFolders.load(slos)
            for text in reading.notes { note("shop-load", text) }
            for name in BurnRateCheck.unmeasured(reading.objectives) {
                note("shop-load", "--abort-on: SLO \(name) is a PromQL ratio, which the run's own counts do not measure; not checked")
            }
            checks.append(BurnRateCheck(slos: reading.objectives, abortOn: severity))
        }
        return checks
    }

    /// An engine delay flag's value in seconds: a duration of at most 100 ms.
    private static func engineDelay(_ text: String, flag: String) throws(LoadRunError) -> Double {
        guard let seconds = DurationText.seconds(text), (0...0.1).contains(seconds) else {
            throw LoadRunError("\(flag) \(text) must be a duration of at most 100ms")
        }
        return seconds
    }

    /// Tokens for the simulated customers, and an admin one for the fault schedule.
    private func tokens(users: Int, lifetime: Double, environment: [String: String]) async throws -> (customers: [String], admin: String?) {
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw LoadRunError("cannot read --token-file \(tokenFile)")
            }
            let tokens = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !tokens.isEmpty else { throw LoadRunError("--token-file \(tokenFile) holds no token") }
            return (tokens, nil)
        }
        guard let secret = try self.secret.resolve(environment: environment, fallback: .readFromDataDirectory) else {
            throw LoadRunError("no way to sign in: give --jwt-secret (or SHOP_JWT_SECRET), --data-dir of the embedded API, or --token-file")
        }
        let keys: AccessTokenKeys
        do {
            keys = try await AccessTokenKeys(secret: secret)
        } catch {
            throw LoadRunError(error.description)
        }
        return try await keys.loadTestTokens(users: users, lifetime: lifetime)
    }
}
