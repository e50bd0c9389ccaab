import ArgumentParser
import Foundation
import LoadReport
import NIOCore
import SLOAdapters
import SLOSpec
import ShopCommandLine
import ShopLoad
import ShopSupport

/// `shop-slo eval`: an error-budget report per SLO, from Prometheus or from a shop-load result.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Report each SLO's error budget: SLI, budget spent and left, burn rates, time to exhaustion, alerts.",
        discussion: """
            With --prometheus the windows end now. With --load the result is evaluated on the profile's own \
            clock: the period is the replay, and the report also lists when each alert would have fired and \
            what each phase of the profile burned.
            """)

    @OptionGroup var specs: SpecOptions

    @Option(help: "A Prometheus server's URL (http://127.0.0.1:9090).")
    var prometheus: String?

    @Option(help: "A shop-load JSON result.")
    var load: String?

    @Option(help: "Only this SLO (repeat for several).")
    var slo: [String] = []

    @Flag(help: "JSON instead of a text table.")
    var json = false

    func run() async throws {
        try await OneLineFailures.run("shop-slo") {
            var slos = try specs.load()
            if !slo.isEmpty {
                let unknown = slo.filter { name in !slos.contains { $0.name == name } }
                guard unknown.isEmpty else {
                    throw CommandFailure("no SLO named \(unknown.joined(separator: ", ")) (there are \(slos.map(\.name).joined(separator: ", ")))")
                }
                slos = slos.filter { slo.contains($0.name) }
            }
            let reports: [BudgetReport]
            switch (prometheus, load) {
            case (let url?, nil):
                _ = try serverURL(url, flag: "--prometheus", example: "http://127.0.0.1:9090")
                let source = PrometheusSource(api: PrometheusAPI(baseURL: url, timeout: .seconds(10)))
                // A refused connection is retried until the request's deadline: ask a short question first.
                _ = try await PrometheusAPI(baseURL: url, timeout: .seconds(2)).scalar("vector(1)")
                var made: [BudgetReport] = []
                // One instant for every SLO, so two SLOs over the same series read the same counts.
                let now = Date()
                for slo in slos { made.append(try await source.report(slo, now: now, synthetic: true)) }
                reports = made
            case (nil, let path?):
                let result = try ResultFile.read(path)
                reports = slos.map { LoadResultSource.report($0, result, source: "\(path), profile \(result.profile.name)") }
            default:
                throw CommandFailure("give --prometheus URL or --load RESULT.json (one of them)")
            }
            if json {
                print(try prettyJSON(reports))
            } else {
                print(BudgetReportText.render(reports))
            }
        }
    }
}
