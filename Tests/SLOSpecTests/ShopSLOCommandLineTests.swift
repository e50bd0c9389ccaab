import Foundation
import ShopTestSupport
import Testing

/// The real `shop-slo` executable: bad input gets one line on standard error and exit status 1.
@Suite struct ShopSLOCommandLineTests {
    static let executable = TestTools.packageRoot + "/.build/debug/shop-slo"

    @Test(arguments: [
        (["rules", "--specs", "/nonexistent/slos"], "shop-slo: /nonexistent/slos: no such file or folder"),
        (["eval"], "shop-slo: give --prometheus URL or --load RESULT.json (one of them)"),
        (["eval", "--prometheus", "127.0.0.1:9090"], "shop-slo: --prometheus must be an http:// URL, such as http://127.0.0.1:9090"),
        (["eval", "--load", "/nonexistent.json"], "shop-slo: /nonexistent.json: cannot read the file"),
        (["eval", "--load", "/nonexistent.json", "--slo", "nope"], "shop-slo: no SLO named nope (there are payment-success, order-placement-availability, order-placement-latency, read-availability, read-latency)"),
        (["alert", "--interval", "soon"], "shop-slo: --interval soon is not a duration of a second or more"),
        (["alert", "--resend", "1s", "--interval", "5s"], "shop-slo: --resend 1s must be a duration no shorter than --interval"),
    ])
    func badInputIsOneLine(arguments: [String], expected: String) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build shop-slo first (swift build)")
        let (status, output) = try await TestTools.run("/bin/sh", ["-c", "cd \(TestTools.packageRoot) && exec \(Self.executable) \"$@\"", "sh"] + arguments)
        #expect(status == 1)
        #expect(output == expected + "\n")
    }

    /// Prometheus not answering is a run error of one line too, after the client's deadline, never a hang.
    @Test func anUnreachablePrometheusIsOneLine() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build shop-slo first (swift build)")
        let port = try TestTools.freePort()
        let (status, output) = try await TestTools.run("/bin/sh", ["-c", "cd \(TestTools.packageRoot) && exec \(Self.executable) eval --prometheus http://127.0.0.1:\(port)"])
        #expect(status == 1)
        #expect(output.hasPrefix("shop-slo: cannot reach Prometheus at http://127.0.0.1:\(port): "), "\(output)")
        #expect(output.split(separator: "\n").count == 1, "\(output)")
    }
}
