import ArgumentParser
import Foundation
import ShopCommandLine
import ShopDashboards

/// `shop-slo dashboards`: writes the Grafana dashboards, the SLO one from the specs.
struct DashboardsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboards", abstract: "Write the Grafana dashboards (service, SLOs, business, load tests).")

    @OptionGroup var specs: SpecOptions

    @Option(help: "Folder for the dashboard JSON files.")
    var out = "dashboards"

    func run() async throws {
        try await OneLineFailures.run("shop-slo") {
            let slos = try specs.load()
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for (file, dashboard) in ShopDashboards.all(slos: slos) {
                try ShopDashboards.json(dashboard).write(toFile: out + "/" + file, atomically: true, encoding: .utf8)
            }
            print("wrote \(ShopDashboards.all(slos: slos).count) dashboards into \(out)/")
        }
    }
}
