import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A payment gateway to develop and test against: the real HTTP API with configurable latency, failures
/// and declines, holding its ledger in memory. Run in-process by `shop-api serve` or alone by
/// `shop-api payment-sandbox`.
package final class SandboxGateway: Sendable {
    private struct State {
        var settings: GatewayWire.SandboxSettings
        var ledger = GatewayWire.Ledger()
        var authorizations: [String: GatewayWire.Authorization] = [:]
        var authorizationByKey: [String: String] = [:]
        var traceParents: [String] = []
        var random: any RandomNumberGenerator & Sendable
    }

    private let state: Mutex<State>

    package init(settings: GatewayWire.SandboxSettings = .init(), random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) {
        state = Mutex(State(settings: settings, random: random))
    }

    package var settings: GatewayWire.SandboxSettings {
        get { state.withLock { $0.settings } }
        set { state.withLock { $0.settings = newValue } }
    }

    package var ledger: GatewayWire.Ledger { state.withLock { $0.ledger } }

    /// The `traceparent` headers of the authorisations received, newest last (the last 100).
    package var receivedTraceParents: [String] { state.withLock { $0.traceParents } }

    /// The sandbox's routes on `router`.
    package func addRoutes(to router: Router<BasicRequestContext>) {
        let api = router.group("v1")
        api.post("authorizations") { request, context -> Response in
            let key = try Self.idempotencyKey(request)
            if let traceParent = request.headers[.traceParent] {
                self.state.withLock { $0.traceParents = Array(($0.traceParents + [traceParent]).suffix(100)) }
            }
            let body = try await request.decode(as: GatewayWire.AuthorizeRequest.self, context: context)
            try await self.simulateNetwork()
            let (authorization, created) = self.state.withLock { state -> (GatewayWire.Authorization, Bool) in
                if let id = state.authorizationByKey[key], let existing = state.authorizations[id] { return (existing, false) }
                let declined = Double.random(in: 0..<1, using: &state.random) < state.settings.declineRatio
                let captured = !declined && body.capture == true
                let authorization = GatewayWire.Authorization(
                    id: "auth_" + UUID().uuidString.lowercased(), status: declined ? "declined" : captured ? "captured" : "authorized",
                    amountMinor: body.amountMinor, currency: body.currency, reference: body.reference,
                    declineReason: declined ? "card_declined" : nil)
                state.authorizations[authorization.id] = authorization
                state.authorizationByKey[key] = authorization.id
                if declined { state.ledger.declines += 1 } else { state.ledger.authorizations += 1 }
                if captured {
                    state.ledger.captures += 1
                    state.ledger.capturedMinor += body.amountMinor
                }
                return (authorization, true)
            }
            let status: HTTPResponse.Status =
                authorization.status == "declined" ? .init(code: 402, reasonPhrase: "Payment Required") : (created ? .created : .ok)
            return try Self.json(authorization, status: status)
        }
        api.post("authorizations/{id}/capture") { request, context -> Response in
            _ = try Self.idempotencyKey(request)
            try await self.simulateNetwork()
            let id = try context.parameters.require("id")
            return try self.update(id) { authorization, ledger in
                switch authorization.status {
                case "authorized":
                    authorization.status = "captured"
                    ledger.captures += 1
                    ledger.capturedMinor += authorization.amountMinor
                    return nil
                case "captured":
                    ledger.repeatedCaptures += 1
                    return nil
                default:
                    return "cannot capture an authorisation that is \(authorization.status)"
                }
            }
        }
        api.post("authorizations/{id}/refund") { request, context -> Response in
            _ = try Self.idempotencyKey(request)
            try await self.simulateNetwork()
            let id = try context.parameters.require("id")
            return try self.update(id) { authorization, ledger in
                switch authorization.status {
                case "captured":
                    authorization.status = "refunded"
                    ledger.refunds += 1
                    ledger.refundedMinor += authorization.amountMinor
                    return nil
                case "refunded":
                    return nil
                default:
                    return "cannot refund an authorisation that is \(authorization.status)"
                }
            }
        }
        api.get("sandbox/config") { _, _ in try Self.json(self.settings, status: .ok) }
        api.put("sandbox/config") { request, context -> Response in
            let settings = try await request.decode(as: GatewayWire.SandboxSettings.self, context: context)
            guard settings.isValid else {
                throw HTTPError(.unprocessableContent, message: "latency_ms must be 0-60000, ratios 0-1")
            }
            self.settings = settings
            return try Self.json(settings, status: .ok)
        }
        api.get("sandbox/ledger") { _, _ in try Self.json(self.ledger, status: .ok) }
    }

    /// A whole application serving the sandbox on `host:port`.
    package func application(
        host: String, port: Int, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        -> some ApplicationProtocol
    {
        let router = Router()
        router.add(middleware: TracingMiddleware())
        addRoutes(to: router)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "payment-sandbox"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    private func update(
        _ id: String, _ change: (inout GatewayWire.Authorization, inout GatewayWire.Ledger) -> String?
    ) throws -> Response {
        let result = state.withLock { state -> Result<GatewayWire.Authorization, HTTPError> in
            guard var authorization = state.authorizations[id] else { return .failure(HTTPError(.notFound)) }
            if let refusal = change(&authorization, &state.ledger) { return .failure(HTTPError(.conflict, message: refusal)) }
            state.authorizations[id] = authorization
            return .success(authorization)
        }
        return try Self.json(try result.get(), status: .ok)
    }

    /// Waits the configured latency, then fails the call with a 503 at the configured ratio.
    private func simulateNetwork() async throws {
        let (latency, fail) = state.withLock { state in
            state.ledger.calls += 1
            return (state.settings.latencyMilliseconds, Double.random(in: 0..<1, using: &state.random) < state.settings.failureRatio)
        }
        if latency > 0 { try await Task.sleep(for: .milliseconds(latency)) }
        if fail { throw HTTPError(.serviceUnavailable, message: "sandbox: injected failure") }
    }

    private static func idempotencyKey(_ request: Request) throws -> String {
        guard let key = request.headers[.idempotencyKey], !key.isEmpty else {
            throw HTTPError(.badRequest, message: "Idempotency-Key header is required")
        }
        return key
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension HTTPField.Name {
    package static let idempotencyKey = Self("Idempotency-Key")!
    /// W3C Trace Context: the caller's span.
    package static let traceParent = Self("traceparent")!
}
