import Foundation
import NIOCore
import ShopAPI
import ShopAPITestSupport
import ShopTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `shop-api serve` itself, as a process.
@Suite struct ServeCommandTests {
    /// A port someone else listens on is one line and exit status 1, before anything starts (it used to
    /// stop the service group halfway and trip sqlite-nio's unclosed-connection assertion).
    @Test func aTakenPortIsOneLine() async throws {
        let executable = TestTools.packageRoot + "/.build/debug/shop-api"
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build shop-api first (swift build)")
        let port = try TestTools.freePort()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let listening =
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            } && listen(fd, 1) == 0
        try #require(listening)
        try await withTemporaryDirectory { directory in
            let (status, output) = try await TestTools.run(executable, ["serve", "--port", "\(port)", "--data-dir", directory])
            #expect(status == 1)
            #expect(output == "Error: cannot listen on 127.0.0.1:\(port): Address already in use\n")
        }
    }

    /// A database that does not exist is PostgreSQL's own words and exit status 1, not "unreachable": the
    /// pool only ever says that it got no connection, which sent operators looking for a server that was up.
    @Test(.enabled(if: TestPostgres.enabled, Comment(rawValue: TestPostgres.skipMessage)))
    func aMissingDatabaseIsNamedAsPostgreSQLNamesIt() async throws {
        let executable = TestTools.packageRoot + "/.build/debug/shop-api"
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build shop-api first (swift build)")
        let admin = try #require(TestPostgres.adminURL)
        var url = try #require(URLComponents(string: admin))
        url.path = "/shop_missing_\(UInt32.random(in: 0...UInt32.max))"
        let port = try TestTools.freePort()
        let missing = try #require(url.string)
        try await withTemporaryDirectory { directory in
            let (status, output) = try await TestTools.run(
                executable,
                [
                    "serve", "--port", "\(port)", "--data-dir", directory, "--database-url", missing, "--jwt-secret",
                    String(repeating: "s", count: 32), "--log-level", "critical",
                ])
            #expect(status == 1)
            #expect(output.contains("refused the connection: database \"\(url.path.dropFirst())\" does not exist"), "\(output)")
        }
    }

    @Test(arguments: [
        (["--threads", "0"], "threads must be 1-256"),
        (["--payment-settlement", "later"], "payment settlement must be on or off, not later"),
    ])
    func aBadServeFlagIsAnErrorLineAndExit64(_ flags: [String], _ message: String) async throws {
        let executable = TestTools.packageRoot + "/.build/debug/shop-api"
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build shop-api first (swift build)")
        try await withTemporaryDirectory { directory in
            let (status, output) = try await TestTools.run(executable, ["serve", "--data-dir", directory] + flags)
            #expect(status == 64)
            #expect(output.hasPrefix("Error: \(message)\n"), "\(output)")
        }
    }

    /// A tracing variable that cannot be used stops the start with one line naming it, rather than running
    /// with a default the operator did not choose.
    @Test(arguments: [
        (["OTEL_TRACES_SAMPLER": "sometimes"], "OTEL_TRACES_SAMPLER=sometimes is not valid"),
        (
            ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"],
            "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not valid"
        ),
        (["OTEL_BSP_MAX_QUEUE_SIZE": "lots"], "OTEL_BSP_MAX_QUEUE_SIZE=lots is not valid"),
    ])
    func aBadTracingVariableIsAnErrorLine(_ environment: [String: String], _ message: String) async throws {
        let executable = TestTools.packageRoot + "/.build/debug/shop-api"
        try #require(FileManager.default.isExecutableFile(atPath: executable), "build shop-api first (swift build)")
        try await withTemporaryDirectory { directory in
            let (status, output) = try await TestTools.run(executable, ["serve", "--data-dir", directory, "--port", "0"], environment: environment)
            #expect(status != 0)
            #expect(output.hasPrefix("Error: \(message)") && output.filter { $0 == "\n" }.count == 1, "\(output)")
        }
    }

    /// The CPUs in the affinity mask, as /proc/self/status shows it, bounded by the machine's.
    @Test func theThreadDefaultFollowsTheAffinityMask() {
        #expect(AppConfiguration.usableCPUs(status: "Name:\tshop-api\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n") == 1)
        #expect(AppConfiguration.usableCPUs(status: "Cpus_allowed:\t00000000,00000002\n") == 1)
        #expect(AppConfiguration.usableCPUs(status: "Cpus_allowed:\tffffffff,ffffffff\n") == System.coreCount)
        #expect(AppConfiguration.usableCPUs(status: nil) == System.coreCount)
    }
}
