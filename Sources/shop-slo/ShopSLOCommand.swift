import ArgumentParser
import SLOSpec

/// `shop-slo`: SLO specs to Prometheus rules, error-budget reports, and the burn-rate alerter.
@main
struct ShopSLOCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shop-slo",
        abstract: "Rules, error budgets and burn-rate alerts from shop-api's SLO specs.",
        subcommands: [RulesCommand.self, EvalCommand.self, AlertCommand.self, DashboardsCommand.self, GameDayCommand.self])
}

/// The options every command that reads specs shares.
struct SpecOptions: ParsableArguments {
    @Option(name: .customLong("specs"), help: "SLO spec files, or folders of them (*.yaml).")
    var specs: [String] = ["slos"]

    func load() throws -> [ServiceLevelObjective] {
        try SpecLoader.load(specs)
    }
}
