import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOFoundationCompat
import PaymentGateway
import ServiceLifecycle
import ShopAPI
import ShopDomain
import ShopTestSupport
import Testing

/// Builds a real application for a test: its own SQLite file (or PostgreSQL database), its own sandbox
/// gateway on a free port, a known JWT secret, and payment retries in milliseconds instead of seconds.
package enum TestApp {
    package static let secret = "test-secret-0123456789abcdef-0123456789"

    package static func configuration(dataDirectory: String) -> AppConfiguration {
        var configuration = AppConfiguration()
        configuration.dataDirectory = dataDirectory
        configuration.jwtSecret = secret
        configuration.demoCatalogSize = 40
        configuration.logLevel = .critical
        configuration.paymentRetry = RetryPolicy(maxAttempts: 3, initialDelayMilliseconds: 20, multiplier: 2, maxDelayMilliseconds: 200)
        configuration.paymentPollInterval = .milliseconds(20)
        // Dozens of suites create and seed PostgreSQL databases at once: beside them a start-up took over the
        // production default of 10 s twice in a row here, though each alone takes well under a second.
        configuration.startupTimeout = .seconds(30)
        return configuration
    }

    package static func run(
        _ kind: StoreKind = .sqlite,
        _ setup: TestingSetup = .router,
        logger: Logger? = nil,
        configure: @Sendable (inout AppConfiguration) -> Void = { _ in },
        _ test: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            var configuration = configuration(dataDirectory: directory)
            configure(&configuration)
            switch kind {
            case .sqlite:
                try await buildApplication(configuration, logger: logger).test(setup, test)
            case .postgres:
                try await TestPostgres.withFreshDatabase { url in
                    var configuration = configuration
                    configuration.databaseURL = url
                    try await buildApplication(configuration, logger: logger).test(setup, test)
                }
            }
        }
    }

    package static func token(_ subject: String, _ role: Role, lifetime: TimeInterval = 900, now: Date = Date()) async throws -> String {
        try await TokenAuthority(secret: secret).mint(subject: subject, role: role, lifetime: lifetime, now: now)
    }
}

/// A sandbox gateway the test holds, to change its behaviour mid-test and read its ledger.
package func withSandbox(
    _ settings: GatewayWire.SandboxSettings = .init(), _ body: @Sendable (SandboxGateway, String) async throws -> Void
) async throws {
    let sandbox = SandboxGateway(settings: settings)
    let (ports, port) = AsyncStream.makeStream(of: Int.self)
    let app = sandbox.application(host: "127.0.0.1", port: 0, logger: quietLogger) { port.yield($0) }
    let group = ServiceGroup(configuration: .init(services: [app], logger: quietLogger))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let bound = await iterator.next() else { throw CancellationError() }
        do {
            try await body(sandbox, "http://127.0.0.1:\(bound)")
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}

/// A response body as JSON.
package struct JSONBody: @unchecked Sendable {
    package let value: Any

    package init(_ buffer: ByteBuffer) throws {
        value = try JSONSerialization.jsonObject(with: Data(buffer: buffer), options: [.fragmentsAllowed])
    }

    package subscript(key: String) -> JSONBody? {
        (value as? [String: Any])?[key].map { JSONBody(raw: $0) }
    }

    package subscript(index: Int) -> JSONBody? {
        guard let array = value as? [Any], array.indices.contains(index) else { return nil }
        return JSONBody(raw: array[index])
    }

    private init(raw: Any) { value = raw }

    package var string: String? { value as? String }
    package var int: Int? { (value as? NSNumber).map { $0.intValue } }
    package var array: [JSONBody] { (value as? [Any])?.map { JSONBody(raw: $0) } ?? [] }
    package var isNull: Bool { value is NSNull }
}

extension TestClientProtocol {
    /// Sends `json` (an Encodable or raw string) with a bearer token when given.
    package func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    /// Polls `uri` until `done` holds for its JSON, for at most `seconds`.
    package func eventually(_ uri: String, token: String, seconds: Double = 10, until done: (JSONBody) -> Bool) async throws -> JSONBody {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        while true {
            let body = try JSONBody(try await send(.get, uri, token: token).body)
            if done(body) || ContinuousClock.now > deadline { return body }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension TestResponse {
    package var json: JSONBody { get throws { try JSONBody(body) } }

    /// Checks this is an RFC 9457 problem with `status`, returning it.
    @discardableResult
    package func expectProblem(_ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONBody {
        #expect(self.status == status, sourceLocation: sourceLocation)
        #expect(headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let problem = try json
        #expect(problem["status"]?.int == Int(status.code), sourceLocation: sourceLocation)
        #expect(problem["title"]?.string?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(problem["type"]?.string != nil, sourceLocation: sourceLocation)
        return problem
    }
}

package func orderJSON(_ items: (String, Int)...) -> String {
    "{\"items\":[" + items.map { "{\"sku\":\"\($0.0)\",\"quantity\":\($0.1)}" }.joined(separator: ",") + "]}"
}
