import Foundation
import ShopTestSupport
import Testing

/// The real `shop-load` executable (built by `swift build`, which the test command runs first): bad input
/// is one line and a non-zero exit, never a crash or a hang.
@Suite("shop-load command line")
struct CommandLineTests {
    static let executable = ".build/debug/shop-load"

    func run(_ arguments: [String]) async throws -> (Int32, String) {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "run swift build first (scripts/test does)")
        return try await TestTools.run(Self.executable, arguments)
    }

    @Test(arguments: [
        ("name: x\nduration: 1h\nrate: {base: 0}", "rate.base: must be a positive number"),
        ("name: x\nduration: soon\nrate: {base: 1}", "duration: \"soon\" is not a duration"),
        ("name: x\nduration: 1h\nrate: {base: 1}\nmix: {checkout: 1}", "mix.checkout: is not an endpoint"),
    ])
    func aBadProfileIsOneLineNamingFileAndField(yaml: String, expected: String) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (status, output) = try await run(["run", file, "--jwt-secret", String(repeating: "s", count: 32)])
        #expect(status == 1)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("shop-load: \(file): ") && lines[0].contains(expected), "\(output)")
    }

    @Test(arguments: [
        (["run", "no-such-profile"], "no such profile file"),
        (["run", "smoke", "--speed", "2", "--duration", "1m"], "give --speed or --duration, not both"),
        (["run", "smoke", "--target", "ftp://example"], "--target must be an http:// URL"),
        (["run", "smoke", "--shard", "2/2"], "--shard must be i/n"),
        (["run", "smoke", "--send-ahead", "1s"], "--send-ahead 1s must be a duration of at most 100ms"),
        (["run", "smoke", "--collect-interval", "soon"], "--collect-interval soon must be a duration of at most 100ms"),
        (["run", "smoke", "--target", "http://127.0.0.1:9", "--jwt-secret", String(repeating: "s", count: 32)], "cannot read the catalogue"),
        (["run", "smoke", "--jwt-secret", "short"], "at least 32 bytes"),
        (["report", "/nonexistent.json"], "cannot read the file"),
        (["run", "smoke", "--abort-on", "soon", "--slo", "slos"], "--abort-on soon must be page or ticket"),
        (["run", "smoke", "--slo", "slos"], "--slo goes with --abort-on page|ticket"),
        (["run", "smoke", "--abort-on", "page"], "--abort-on needs the SLOs to check: give --slo FILE|FOLDER"),
        (["run", "smoke", "--abort-on", "page", "--slo", "/nonexistent"], "/nonexistent: no such file or folder"),
        (["run", "smoke", "--abort-delay", "5m"], "--abort-delay goes with --abort-on-fail"),
        (["run", "smoke", "--abort-on-fail", "--abort-delay", "soon"], "--abort-delay soon is not a duration"),
        (["run", "smoke", "--metrics-port", "65536"], "--metrics-port must be a port number, 0 to 65535 (0: any free one)"),
        (["run", "smoke", "--metrics-port", "9464", "--metrics-linger", "later"], "--metrics-linger later is not a duration"),
        (["capacity", "smoke", "--step-duration", "soon"], "--step-duration soon is not a duration"),
        (["run", "smoke", "--trace-sample", "2"], "--trace-sample must be a share between 0 and 1"),
        (["run", "smoke", "--trace-url", "http://jaeger:16686/trace"], "--trace-url must hold {trace_id} where the trace's id goes"),
        (["report", "/nonexistent.json", "--trace-url", "http://x"], "--trace-url must hold {trace_id}"),
        (["capacity", "smoke", "--cooldown", "soon"], "--cooldown soon is not a duration"),
        (["capacity", "smoke", "--precision", "150%"], "--precision 150% must be a share between 0 and 1"),
        (["capacity", "smoke", "--max-steps", "0"], "--max-steps must be at least 1"),
        (["capacity", "smoke", "--from", "0"], "--from must be a positive number of requests per second"),
        (["capacity", "smoke", "--from", "10", "--max-rate", "5"], "--min-rate ≤ --from ≤ --max-rate does not hold"),
        (["capacity", "smoke", "--slo", "/nonexistent"], "/nonexistent: no such file or folder"),
    ])
    func badFlagsAreOneLine(arguments: [String], expected: String) async throws {
        let (status, output) = try await run(arguments)
        #expect(status == 1, "\(output)")
        #expect(output.split(separator: "\n").count == 1 && output.contains(expected), "\(output)")
    }

    /// A capacity search needs something to hold: a profile without thresholds and no SLOs is refused before any step.
    @Test func aCapacitySearchWithNothingToHoldIsRefused() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("free-\(UUID().uuidString).yaml").path
        try "name: free\nduration: 1m\nrate: {base: 5}\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let (status, output) = try await run(["capacity", file])
        #expect(status == 1)
        #expect(output == "shop-load: nothing to hold: \(file) has no thresholds and no --slo was given\n", "\(output)")
    }

    /// A flag that does not parse (unknown, missing its value, or not of its type) is the argument parser's
    /// usage error, as in shop-api and shop-slo: its one error line first, then the usage, exit 64 (EX_USAGE).
    @Test(arguments: [
        (["run", "smoke", "--speed", "zero"], "Error: The value 'zero' is invalid for '--speed <speed>'"),
        (["run", "smoke", "--peak-rps"], "Error: Missing value for '--peak-rps <peak-rps>'"),
        (["run", "smoke", "--no-such-flag"], "Error: Unknown option '--no-such-flag'"),
    ])
    func aFlagThatDoesNotParseIsAUsageError(arguments: [String], expected: String) async throws {
        let (status, output) = try await run(arguments)
        #expect(status == 64, "\(output)")
        #expect(output.hasPrefix(expected + "\n"), "\(output)")
    }
}
