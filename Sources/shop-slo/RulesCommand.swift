import ArgumentParser
import Foundation
import SLOSpec

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

    func run() async throws {
        try await Failing.oneLine { try write() }
    }

    func write() throws {
        let slos = try specs.load()
        var files: [(String, String)] = []
        for slo in slos {
            files.append((out + "/" + PrometheusRules.fileName(slo), PrometheusRules.file(slo)))
            if let note = RuleTests.note(slo) { FileHandle.standardError.write(Data("shop-slo: note: \(slo.file): \(note)\n".utf8)) }
            do {
                files += try RuleTests.files(slo).map { (out + "/tests/" + $0.name, $0.text) }
            } catch {
                throw CommandFailure("\(slo.file): \(slo.name): \(error)")
            }
        }
        if check {
            let stale = files.filter { (try? String(contentsOfFile: $0.0, encoding: .utf8)) != $0.1 }.map(\.0)
            guard stale.isEmpty else { throw CommandFailure("out of date (run shop-slo rules): \(stale.joined(separator: ", "))") }
            print("\(files.count) files up to date in \(out)/")
            return
        }
        try FileManager.default.createDirectory(atPath: out + "/tests", withIntermediateDirectories: true)
        for (path, text) in files { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        print("wrote \(files.count) files for \(slos.count) SLOs into \(out)/")
    }
}
