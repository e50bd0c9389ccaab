import ArgumentParser
import Foundation
import SLOSpec
import ShopCommandLine

/// `shop-slo rules`: writes each SLO's Prometheus rule file and its promtool unit tests.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Write Prometheus recording and burn-rate alert rules, with promtool tests, for every SLO.")

    @OptionGroup var specs: SpecOptions

    @Option(help: "Folder for the rule files; their tests go into its tests/ folder.")
    var out = "alerts"

    @Flag(help: "Write nothing; exit 1 if any file in --out differs from what would be written.")
    var check = false

    @Option(help: "rules (Prometheus rule files) or prometheus-operator (PrometheusRule resources; plain rule files beside their tests in tests/).")
    var format = "rules"

    @Option(
        help: "recorded (the period's rates made of an hour's or so, cheap over any period) or raw (rate over the whole period on the raw series).")
    var periodWindow = "recorded"

    @Option(
        name: .customLong("label"), help: "A label for every alert, for routing (team=shop); repeat for more. Replaces a spec's label of that name.")
    var labels: [String] = []

    func run() async throws {
        try await OneLineFailures.run("shop-slo") { try write() }
    }

    func write() throws {
        guard let format = RuleFiles.Format(rawValue: format) else {
            throw CommandFailure("--format must be rules or prometheus-operator, not \(format)")
        }
        guard let periodWindow = PrometheusRules.PeriodWindow(rawValue: periodWindow), periodWindow != .omitted else {
            throw CommandFailure("--period-window must be recorded or raw, not \(periodWindow)")
        }
        let (files, notes): ([(path: String, text: String)], [String])
        do {
            let routing = try RuleFiles.labels(labels)
            let slos = try specs.load().map { slo in
                var labelled = slo
                labelled.labels.merge(routing) { $1 }
                return labelled
            }
            (files, notes) = try RuleFiles.make(slos, out: out, format: format, periodWindow: periodWindow)
        } catch let error as RuleFiles.Failure {
            throw CommandFailure(error.description)
        }
        for text in notes { note("shop-slo", text) }
        if check {
            let stale = files.filter { (try? String(contentsOfFile: $0.0, encoding: .utf8)) != $0.1 }.map(\.0)
            guard stale.isEmpty else { throw CommandFailure("out of date (run shop-slo rules): \(stale.joined(separator: ", "))") }
            print("\(files.count) files up to date in \(out)/")
            return
        }
        try FileManager.default.createDirectory(atPath: out + "/tests", withIntermediateDirectories: true)
        for (path, text) in files { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        print("wrote \(files.count) files into \(out)/")
    }
}
