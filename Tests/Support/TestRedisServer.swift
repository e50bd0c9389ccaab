import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A real `redis-server` (Debian's `redis-server` package) on a free loopback port, for as long as a test
/// needs it, with nothing saved to disk. Tests can kill it and start it again on the same port.
public final class TestRedisServer: Sendable {
    public let port: Int
    private let process = Mutex<Process?>(nil)

    public var url: String { "redis://127.0.0.1:\(port)" }

    private init(port: Int) {
        self.port = port
    }

    public static func start() throws -> TestRedisServer {
        let server = TestRedisServer(port: try TestTools.freePort())
        try server.start()
        return server
    }

    /// Starts the server (again) and waits until it answers PING.
    public func start() throws {
        guard let executable = TestTools.find("redis-server"), let cli = TestTools.find("redis-cli") else {
            throw TestSupportError("redis-server is not installed (apt-get install redis-server)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no",
            "--daemonize", "no", "--dir", FileManager.default.temporaryDirectory.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process.withLock { $0 = process }
        for _ in 0..<100 {
            if (try? TestTools.run(cli, ["-p", "\(port)", "ping"]))?.1.contains("PONG") == true { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill()
        throw TestSupportError("redis-server on port \(port) did not start")
    }

    /// SIGSTOP: the server keeps its data and its sockets but answers nothing, like a network partition.
    public func pause() { signal(SIGSTOP) }
    /// SIGCONT after `pause()`.
    public func resume() { signal(SIGCONT) }

    private func signal(_ signal: Int32) {
        if let process = process.withLock({ $0 }) { Glibc.kill(process.processIdentifier, signal) }
    }

    /// `kill -9`: no shutdown, no goodbye to clients.
    public func kill() {
        guard let process = process.withLock({ process in defer { process = nil }; return process }) else { return }
        Glibc.kill(process.processIdentifier, SIGCONT)
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// Runs `body` with a fresh Redis server, killed afterwards whatever happens.
public func withRedisServer<Result>(_ body: (TestRedisServer) async throws -> Result) async throws -> Result {
    let server = try TestRedisServer.start()
    defer { server.kill() }
    return try await body(server)
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
