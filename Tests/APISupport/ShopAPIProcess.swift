import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ShopTestSupport

#if canImport(Glibc)
import Glibc
import ShopSupport
#endif

/// The real `shop-api` executable (built by `swift build`, which the test command runs first) as a child
/// process on a free port, for tests that signal or kill it.
package final class ShopAPIProcess: Sendable {
    package static let executable = ".build/debug/shop-api"
    package static let secret = "process-test-secret-0123456789abcdef-01"

    package let port: Int
    package let process: Process
    package let exit: ProcessExit
    package let log: String

    package var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts `serve` with `arguments` (database, Redis, limits…) and waits until `/readyz` answers 200.
    /// With `descriptorLimit`, the process runs under `ulimit -n` of that many (soft and hard).
    /// `environment` is added to this process's own.
    package init(_ arguments: [String], descriptorLimit: Int? = nil, environment: [String: String] = [:]) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable) else {
            throw TestSupportError("\(Self.executable) is missing: run swift build (scripts/test does) before these tests")
        }
        port = try TestTools.freePort()
        log = FileManager.default.temporaryDirectory.appendingPathComponent("shop-api-\(port).log").path
        FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process = Process()
        let serve = ["serve", "--port", "\(port)", "--jwt-secret", Self.secret, "--log-level", "warning"] + arguments
        if let descriptorLimit {
            // exec keeps the process id, so signals reach shop-api itself.
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", Self.executable] + serve
        } else {
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = serve
        }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = output
        exit = try ProcessExit.launch(process)
        try output.close()
        for _ in 0..<150 {
            if let response = try? await HTTPClient.shared.get(url: baseURL + "/readyz").get(), response.status == .ok { return }
            guard !exit.hasExited else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        await stop(signal: SIGKILL)
        throw TestSupportError("shop-api did not become ready: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }

    package func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Sends `signal` and waits for the process to end; its exit status.
    @discardableResult
    package func stop(signal: Int32 = SIGTERM) async -> Int32 {
        if !exit.hasExited { kill(process.processIdentifier, signal) }
        return await exit.status()
    }

    /// A customer token for `subject`, signed with the processes' secret.
    package static func token(_ subject: String) async throws -> String {
        let (status, output) = try await TestTools.run(
            executable, ["token", "--sub", subject, "--role", "customer", "--ttl", "3600", "--jwt-secret", secret])
        guard status == 0 else { throw TestSupportError("token: \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// What became of one request sent on a connection of its own.
package enum Outcome: Sendable, Equatable {
    /// An answer: status and body.
    case answered(Int, String)
    /// No connection: the server was not accepting, so the request never started.
    case refused
    /// The connection was taken, then lost without an answer: what must never happen to an accepted request.
    case lost(String)
}

extension HTTPClient {
    /// A client that opens a connection per request, so a lost answer cannot hide behind a reused
    /// keep-alive connection the server was closing.
    package static func oneConnectionPerRequest() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .milliseconds(1), concurrentHTTP1ConnectionsPerHostSoftLimit: 1000)
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(15))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    package func send(_ method: HTTPMethod, _ url: String, token: String? = nil, json: String? = nil) async -> Outcome {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Connection", value: "close")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        do {
            let response = try await execute(request, timeout: .seconds(15))
            let body = try await response.body.collect(upTo: 1 << 20)
            return .answered(Int(response.status.code), String(buffer: body))
        } catch {
            // Refused connections surface as NIO's connection errors (ECONNREFUSED); anything else came after
            // the connection was made.
            let text = String(reflecting: error)
            if text.contains("connectionRefused") || text.contains("Connection refused") || text.contains("connectTimeout") { return .refused }
            return .lost(text)
        }
    }
}
