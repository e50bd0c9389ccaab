import ArgumentParser
import Foundation
import LoadReport
import ShopCommandLine
import ShopLoad

struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the results of shards (--shard i/n) into one: histograms merged, never percentiles averaged.")

    @Argument(help: "The shards' JSON results.")
    var results: [String]

    @Option(help: "The merged JSON result.")
    var out = "shop-load-merged.json"

    @Option(help: "The merged HTML report (default: the result's name with .html).")
    var report: String?

    func run() async throws {
        try await OneLineFailures.run("shop-load") {
            let loaded = try results.map(ResultFile.read)
            let merged: LoadResult
            do { merged = try LoadResult.merge(loaded) } catch { throw CommandFailure("cannot merge: \(error)") }
            try ResultFile.write(merged, to: out, report: report)
            print(SummaryTable(merged).render())
            if !merged.passed { throw ExitCode(ExitStatus.thresholdFailed) }
        }
    }
}

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write the HTML report (and the summary) of a JSON result again.")

    @Argument(help: "A JSON result.")
    var result: String

    @Option(help: "The HTML report (default: the result's name with .html).")
    var out: String?

    @Option(name: .customLong("trace-url"), help: "Where your tracing UI shows a trace, {trace_id} for its id (instead of the run's).")
    var traceURL: String?

    func run() async throws {
        try await OneLineFailures.run("shop-load") {
            try ReplayOptions.checkTraceURL(traceURL)
            var loaded = try ResultFile.read(result)
            if let traceURL { loaded.traceURL = traceURL }
            let path = out ?? ResultFile.reportPath(for: result)
            try HTMLReport(loaded).render().write(toFile: path, atomically: true, encoding: .utf8)
            print(SummaryTable(loaded).render())
            print("report: \(path)")
        }
    }
}
