import ArgumentParser
import Foundation
import LoadProfile
import LoadReport
import ShopCommandLine
import ShopGameDay
import ShopLoad
import ShopSupport

struct CapacityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Find the highest peak rate at which PROFILE's thresholds and the --slo SLOs all hold, with short replays scaled to each peak.")

    @OptionGroup var replay: ReplayOptions

    @Option(name: .customLong("slo"), help: "SLO spec files or folders (repeatable): a step fails if a page or ticket condition holds on its counts.")
    var slos: [String] = []

    @Option(name: .customLong("step-duration"), help: "Wall time of each step's replay of the profile (e.g. 30s).")
    var stepDuration = "30s"

    @Option(help: "The first peak rate tried, req/s (default: the profile's own).")
    var from: Double?

    @Option(name: .customLong("min-rate"), help: "Never below this peak rate, req/s (default: the first ÷ 64).")
    var minRate: Double?

    @Option(name: .customLong("max-rate"), help: "Never above this peak rate, req/s (default: the first × 64).")
    var maxRate: Double?

    @Option(help: "Stop once the highest rate that held and the lowest that failed are this close (e.g. 5%).")
    var precision = "5%"

    @Option(name: .customLong("max-steps"), help: "Stop after this many steps.")
    var maxSteps = 8

    @Option(help: "Wall time between steps, for the service to drain what a failed step queued.")
    var cooldown = "5s"

    @Option(help: "The JSON result.")
    var out = "shop-load-capacity.json"

    @Option(help: "The HTML report (default: the result's name with .html).")
    var report: String?

    func run() async throws {
        var found = false
        try await OneLineFailures.run("shop-load") { found = try await search() }
        // As `run`'s thresholds: 2 when no rate tried held.
        if !found { throw ExitCode(ExitStatus.thresholdFailed) }
    }

    private func search() async throws -> Bool {
        let (file, profile, end) = try replay.readProfile()
        try replay.check()
        guard let wall = DurationText.seconds(stepDuration), wall > 0 else {
            throw LoadRunError("--step-duration \(stepDuration) is not a duration (30s, 2m)")
        }
        guard let cool = DurationText.seconds(cooldown), cool >= 0 else { throw LoadRunError("--cooldown \(cooldown) is not a duration (5s)") }
        guard let share = ShareText.share(precision), share > 0, share < 1 else {
            throw LoadRunError("--precision \(precision) must be a share between 0 and 1, such as 5%")
        }
        guard maxSteps >= 1 else { throw LoadRunError("--max-steps must be at least 1") }
        for (flag, rate) in [("--from", from), ("--min-rate", minRate), ("--max-rate", maxRate)] {
            if let rate, !(rate > 0 && rate.isFinite) { throw LoadRunError("\(flag) must be a positive number of requests per second") }
        }
        let objectives = slos.isEmpty ? [] : try ReplayOptions.slos(slos, for: "--slo")
        guard !profile.thresholds.isEmpty || !objectives.isEmpty else {
            throw LoadRunError("nothing to hold: \(file) has no thresholds and no --slo was given")
        }

        let first = from ?? profile.peakRate
        let (minimum, maximum) = (minRate ?? first / 64, maxRate ?? first * 64)
        guard minimum <= first, first <= maximum else { throw LoadRunError("--min-rate ≤ --from ≤ --max-rate does not hold") }

        let budget = Double(maxSteps) * (wall + cool)
        var plan = CapacityPlan(
            run: try await replay.configuration(profile, file: file, end: end, speed: end / wall, wallSeconds: budget), slos: objectives,
            stepWallSeconds: wall)
        plan.from = first
        plan.minimum = minimum
        plan.maximum = maximum
        plan.precision = share
        plan.maxSteps = maxSteps
        plan.cooldown = cool
        try await LoadRun(plan.run).prepare()
        say(
            "shop-load capacity: \(profile.name) against \(plan.run.target.absoluteString), \(DurationText.text(end)) of profile time per step in \(DurationText.text(wall)), from \(SummaryTable.short(plan.from)) req/s at the peak, seed \(plan.run.seed)"
        )
        let result = try await CapacitySearch.run(plan) { say($0) }
        print(result.render())
        let reportPath = report ?? ResultFile.stem(of: out) + ".html"
        try prettyJSON(result).write(toFile: out, atomically: true, encoding: .utf8)
        try CapacityReport(result).render().write(toFile: reportPath, atomically: true, encoding: .utf8)
        print("result: \(out)\nreport: \(reportPath)")
        return result.capacity != nil
    }
}
