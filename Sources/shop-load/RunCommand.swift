import ArgumentParser
import Foundation
import LoadProfile
import LoadReport
import SLOAdapters
import SLOMath
import ShopCommandLine
import ShopLoad
import ShopSupport

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay PROFILE against --target and write a JSON result and an HTML report.")

    @OptionGroup var replay: ReplayOptions

    @Option(help: "Time compression: profile seconds per wall second (default: the profile's own).")
    var speed: Double?

    @Option(help: "Wall time the replay should take (e.g. 10m): sets the speed. Not with --speed.")
    var duration: String?

    @Option(name: .customLong("peak-rps"), help: "Scale the profile so its peak is this many requests per second.")
    var peakRPS: Double?

    @Option(name: .customLong("base-rps"), help: "Set the profile's base rate (multiplier 1) in requests per second.")
    var baseRPS: Double?

    @Option(help: "This generator's part of a run split over several: i/n.")
    var shard: String?

    @Option(help: "The JSON result.")
    var out = "shop-load-result.json"

    @Option(help: "The HTML report (default: the result's name with .html).")
    var report: String?

    @Option(help: "Progress output: auto (a live line on a terminal, periodic lines otherwise), line, plain or off.")
    var progress = "auto"

    @Option(
        name: .customLong("metrics-port"),
        help: "Serve the run's live metrics for Prometheus at http://HOST:PORT/metrics while it runs (0: any free port, printed).")
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
        try await OneLineFailures.run("shop-load") { status = try await runReplay() }
        if status != ExitStatus.passed { throw ExitCode(status) }
    }

    private func runReplay() async throws -> Int32 {
        var (file, profile, end) = try replay.readProfile()
        if let baseRPS {
            guard baseRPS > 0 else { throw LoadRunError("--base-rps must be positive") }
            profile.baseRate = baseRPS
        }
        if let peakRPS {
            guard peakRPS > 0 else { throw LoadRunError("--peak-rps must be positive") }
            profile = profile.withPeakRate(peakRPS)
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
        try replay.check()
        var parsedShard = Shard.whole
        if let shard {
            guard let parsed = Shard(parsing: shard) else { throw LoadRunError("--shard must be i/n with 0 ≤ i < n, such as 0/2") }
            parsedShard = parsed
        }
        let checks = try checks(profile)
        var linger = 0.0
        if let metricsPort {
            guard (0...65_535).contains(metricsPort) else { throw LoadRunError("--metrics-port must be a port number, 0 to 65535 (0: any free one)") }
            guard let seconds = DurationText.seconds(metricsLinger), seconds >= 0 else {
                throw LoadRunError("--metrics-linger \(metricsLinger) is not a duration (30s, 1m)")
            }
            linger = seconds
        }

        var configuration = try await replay.configuration(profile, file: file, end: end, speed: speed, wallSeconds: end / speed)
        configuration.shard = parsedShard
        configuration.checks = checks
        if let metricsPort {
            configuration.metricsAddress = (metricsHost, metricsPort)
            configuration.metricsLinger = linger
        }

        let run = LoadRun(configuration)
        try await run.prepare()
        let output = ProgressOutput(mode: progress, run: run)
        output.line(
            "shop-load: \(profile.name) against \(configuration.target.absoluteString): \(DurationText.text(end)) of profile time in \(DurationText.text(end / speed)) of wall time (speed \(SummaryTable.short(speed))×), peak \(SummaryTable.short(profile.peakRate)) req/s, seed \(configuration.seed)\(parsedShard == .whole ? "" : ", shard \(parsedShard)")"
        )
        let interrupt = Interrupt { run.stop() }
        defer { interrupt.cancel() }
        let reporter = Task { await output.report() }
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
        if let stop = result.stop { return stop.reason == ThresholdCheck.reason ? ExitStatus.abortedOnThreshold : ExitStatus.abortedOnSLO }
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
            checks.append(BurnRateCheck(slos: try ReplayOptions.slos(slos, for: "--abort-on"), abortOn: severity))
        }
        return checks
    }
}
