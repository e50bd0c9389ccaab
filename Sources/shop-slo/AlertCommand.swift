import ArgumentParser
import Foundation
import JSONLogging
import Logging
import SLOAdapters
import SLOSpec
import ShopCommandLine
import ShopSupport

/// `shop-slo alert`: the burn-rate alerter daemon, with its own `/metrics` and JSON logs.
struct AlertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert",
        abstract: "Evaluate every SLO's burn-rate alerts against Prometheus each interval and notify Alertmanager.")

    @OptionGroup var specs: SpecOptions

    @Option(help: "The Prometheus server to query.")
    var prometheus = "http://127.0.0.1:9090"

    @Option(help: "The Alertmanager to notify (its v2 API).")
    var alertmanager = "http://127.0.0.1:9093"

    @Option(help: "How often to evaluate (30s, 1m).")
    var interval = "30s"

    @Option(help: "How often a firing alert is sent again (Alertmanager drops one not heard of for 4 times this).")
    var resend = "1m"

    @Option(help: "Address for /metrics and /healthz.")
    var host = "127.0.0.1"

    @Option(help: "Port for /metrics and /healthz.")
    var port = 9464

    @Option(help: "trace, debug, info, notice, warning or error.")
    var logLevel = "info"

    func run() async throws {
        var settings = BurnRateAlerter.Settings()
        var slos: [ServiceLevelObjective] = []
        let level: Logger.Level
        try await OneLineFailures.run("shop-slo") {
            slos = try specs.load()
            _ = try serverURL(prometheus, flag: "--prometheus", example: "http://127.0.0.1:9090")
            _ = try serverURL(alertmanager, flag: "--alertmanager", example: "http://127.0.0.1:9093")
            guard let every = DurationText.seconds(interval), every >= 1 else {
                throw CommandFailure("--interval \(interval) is not a duration of a second or more")
            }
            guard let again = DurationText.seconds(resend), again >= every else {
                throw CommandFailure("--resend \(resend) must be a duration no shorter than --interval")
            }
            settings = .init(interval: .milliseconds(Int64(every * 1000)), resendInterval: .milliseconds(Int64(again * 1000)))
            guard Logger.Level(rawValue: logLevel) != nil else {
                throw CommandFailure("--log-level \(logLevel) is not one of trace, debug, info, notice, warning, error")
            }
            guard (1...65_535).contains(port) else { throw CommandFailure("--port must be 1 to 65535") }
        }
        level = Logger.Level(rawValue: logLevel)!
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, service: "shop-slo", level: level) }
        try await AlerterDaemon.run(
            slos: slos, prometheus: prometheus, alertmanager: alertmanager, settings: settings, host: host, port: port,
            logger: Logger(label: "shop-slo"))
    }
}
