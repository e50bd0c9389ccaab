import ArgumentParser

/// `shop-load`: replays traffic profiles against the API and works with the results.
@main
struct ShopLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shop-load",
        abstract: "Replay daily, weekly, seasonal and flash-sale traffic against shop-api, open-loop.",
        subcommands: [RunCommand.self, CapacityCommand.self, MergeCommand.self, ReportCommand.self])
}

/// Exit statuses, as docs/load-testing.md documents them.
enum ExitStatus {
    /// The run finished and every threshold held.
    static let passed: Int32 = 0
    /// The run could not start or go on (bad profile, bad flag, unreachable target).
    static let runError: Int32 = 1
    /// The run finished and a threshold failed.
    static let thresholdFailed: Int32 = 2
    /// Stopped early by `--abort-on-fail`: a threshold failed while it ran.
    static let abortedOnThreshold: Int32 = 3
    /// Stopped early by `--abort-on`: an SLO's burn-rate condition was reached.
    static let abortedOnSLO: Int32 = 4
    /// Stopped by Ctrl-C; the result was still written.
    static let interrupted: Int32 = 130
}
