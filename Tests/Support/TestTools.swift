import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
import ShopSupport
#endif

/// External programs some tests drive: found on PATH, run with input, output collected.
package enum TestTools {
    package static var promtool: String? { find("promtool") }
    package static var prometheus: String? { find("prometheus") }

    /// The package's root folder (where `slos/`, `alerts/` and `loadtests/` are), from this file's place.
    package static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    package static func find(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The ports `freePort()` has given in this process.
    private static let givenPorts = Mutex<Set<Int>>([])

    /// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's pick for port 0), and one
    /// this process has not been given before: the kernel may pick a port again as soon as it is closed,
    /// and two picks in a row once gave a test's Prometheus and Alertmanager the same port.
    package static func freePort() throws -> Int {
        for _ in 0..<1_000 {
            let port = try kernelsFreePort()
            if givenPorts.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw POSIXError(.EADDRINUSE)
    }

    private static func kernelsFreePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs `executable` with `arguments`, `input` on its standard input; returns its exit status and
    /// everything it wrote (standard output and error together). The output goes through a file, not a
    /// pipe: a daemon the program starts (pg_ctl's server) may inherit the descriptor and would keep a
    /// pipe open long after the program exits.
    package static func run(
        _ executable: String, _ arguments: [String], input: String = "", environment: [String: String] = [:]
    ) async throws -> (Int32, String) {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("shop-tool-\(UUID().uuidString).out").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil), let output = FileHandle(forWritingAtPath: outputPath) else {
            throw POSIXError(.EIO)
        }
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, set in set } }
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        let exit = try ProcessExit.launch(process)
        try output.close()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let status = await exit.status()
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (status, text)
    }
}

extension TestTools {
    /// Runs `body` while `process` runs, then stops it (SIGTERM) and waits for it to end, whatever `body` did.
    package static func whileRunning<Result>(_ process: Process, _ body: () async throws -> Result) async throws -> Result {
        let exit = try ProcessExit.launch(process)
        let result: Swift.Result<Result, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        if !exit.hasExited { process.terminate() }
        _ = await exit.status()
        return try result.get()
    }
}
