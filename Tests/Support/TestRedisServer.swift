import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
import ShopSupport
#endif

/// A real `redis-server` (Debian's `redis-server` package) on a free loopback port, for as long as a test
/// needs it, with nothing saved to disk. Tests can kill it and start it again on the same port.
package final class TestRedisServer: Sendable {
    package let port: Int
    private let process = Mutex<(Process, ProcessExit)?>(nil)
    /// The exit of the last server killed, awaited before another takes its port.
    private let killed = Mutex<ProcessExit?>(nil)

    package var url: String { "redis://127.0.0.1:\(port)" }

    private init(port: Int) {
        self.port = port
    }

    package static func start() async throws -> TestRedisServer {
        let server = TestRedisServer(port: try TestTools.freePort())
        try await server.start()
        return server
    }

    /// Starts the server (again) and waits until it answers PING.
    package func start() async throws {
        guard let executable = TestTools.find("redis-server"), let cli = TestTools.find("redis-cli") else {
            throw TestSupportError("redis-server is not installed (apt-get install redis-server)")
        }
        if let previous = killed.withLock({ $0 }) { _ = await previous.status() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [
            "--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no",
            "--daemonize", "no", "--dir", FileManager.default.temporaryDirectory.path,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let exit = try ProcessExit.launch(process)
        self.process.withLock { $0 = (process, exit) }
        for _ in 0..<100 {
            if (try? await TestTools.run(cli, ["-p", "\(port)", "ping"]))?.1.contains("PONG") == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        await stop()
        throw TestSupportError("redis-server on port \(port) did not start")
    }

    /// SIGSTOP: the server keeps its data and its sockets but answers nothing, like a network partition.
    package func pause() { signal(SIGSTOP) }
    /// SIGCONT after `pause()`.
    package func resume() { signal(SIGCONT) }

    private func signal(_ signal: Int32) {
        if let (process, _) = process.withLock({ $0 }) { Glibc.kill(process.processIdentifier, signal) }
    }

    /// `kill -9`: no shutdown, no goodbye to clients. Returns at once; `start()` and `stop()` wait for the end.
    package func kill() {
        guard
            let (process, exit) = process.withLock({ process in
                defer { process = nil }; return process
            })
        else { return }
        killed.withLock { $0 = exit }
        Glibc.kill(process.processIdentifier, SIGCONT)
        Glibc.kill(process.processIdentifier, SIGKILL)
    }

    /// Kills the server and waits until it is gone.
    package func stop() async {
        kill()
        if let exit = killed.withLock({ $0 }) { _ = await exit.status() }
    }
}

/// Runs `body` with a fresh Redis server, killed afterwards whatever happens.
package func withRedisServer<Result>(_ body: (TestRedisServer) async throws -> Result) async throws -> Result {
    let server = try await TestRedisServer.start()
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

package struct TestSupportError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
