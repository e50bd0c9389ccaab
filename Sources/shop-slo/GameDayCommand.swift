import ArgumentParser
import Foundation
import LoadProfile
import SLOSpec
import ShopCommandLine
import ShopGameDay
import ShopLoad
import ShopSupport

/// `shop-slo gameday`: parses its flags into a `GameDayPlan` and plays it (`GameDayRun`).
struct GameDayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gameday",
        abstract: "Replay a month with scheduled incidents and prove each is caught in time by the right alert, with no false page.",
        discussion:
            "Exit status: 0 the verdict passed, 2 it failed, 1 the game day could not run. loadtests/gameday starts what it needs and runs this.")

    @Argument(help: "A game-day profile (a path, or a name in loadtests/).")
    var profile: String

    @OptionGroup var specs: SpecOptions

    @OptionGroup var target: TargetOption

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
        try await OneLineFailures.run("shop-slo") {
            let plan = try plan()
            let verdict = try await GameDayRun.play(plan) { say($0) }
            if json {
                say(try prettyJSON(verdict))
            } else {
                say(GameDayText.render(verdict))
            }
            say("verdict: \(plan.verdictFile); promtool's test file and rules: \(plan.promtoolDirectory)/")
            if !verdict.passed { throw ExitCode(2) }
        }
    }

    private func plan() throws -> GameDayPlan {
        var slos = try specs.load()
        if let period {
            guard let seconds = DurationText.seconds(period), seconds >= 86_400 else {
                throw CommandFailure("--period \(period) is not a duration of a day or more")
            }
            for index in slos.indices { slos[index].period = .rolling(seconds) }
        }
        let (file, text) = try ProfileFiles.read(profile)
        let profile = try Profile(yaml: text, file: file)
        guard let wall = DurationText.seconds(duration), wall > 0 else { throw CommandFailure("--duration \(duration) is not a duration (12m)") }
        guard let promtoolPath = GameDayPlan.executable(promtool) else {
            throw CommandFailure("\(promtool) not found (Debian: apt-get install prometheus)")
        }
        var plan = try GameDayPlan(
            profile: profile, profileFile: file, slos: slos, target: try target.url(), secret: jwtSecret, wallSeconds: wall, promtool: promtoolPath)
        plan.seed = seed
        plan.out = out
        return plan
    }
}
