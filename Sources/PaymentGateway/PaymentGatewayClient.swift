import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ShopDomain
import ShopMetrics
import ShopSupport
import Synchronization
import Tracing

/// What one call to the gateway came to, as the payment processor needs to know it.
package enum GatewayResult: Sendable, Equatable {
    case captured(reference: String)
    case refunded(reference: String)
    case declined(reason: String)
    /// Worth retrying later: a timeout, a lost connection, a 5xx or 429, or the circuit is open.
    case retryable(String)
    /// Retrying will not help (the gateway refused the request itself).
    case permanent(String)
}

/// The gateway over HTTP: a timeout on every call, an idempotency key derived from the payment id (so a
/// retry can never charge twice), and a circuit breaker that stops calling a failing gateway for a while.
/// It makes one attempt per call; `PaymentProcessor` decides when to try again.
package final class PaymentGatewayClient: Sendable {
    package struct Settings: Sendable {
        package var timeout: Duration
        package var breakerFailureThreshold: Int
        package var breakerOpenDuration: Duration

        package init(timeout: Duration = .seconds(2), breakerFailureThreshold: Int = 5, breakerOpenDuration: Duration = .seconds(10)) {
            self.timeout = timeout
            self.breakerFailureThreshold = breakerFailureThreshold
            self.breakerOpenDuration = breakerOpenDuration
        }
    }

    private let address: GatewayAddress
    private let settings: Settings
    private let http: HTTPClient
    private let clock: any ShopClock
    private let breaker: Mutex<CircuitBreaker>
    private let metrics: ShopMetrics?
    private let faults: FaultSwitchboard?
    /// A running average of how long answered calls take, per operation, so that an injected failure costs
    /// what a real one does. Failing at once would let a batch's failures be counted before its successes,
    /// which a compressed clock turns into minutes of seemingly all-failing payments.
    private let roundTrips = Mutex<[ShopMetrics.GatewayOperation: Duration]>([:])

    package init(
        address: GatewayAddress, settings: Settings, clock: any ShopClock, metrics: ShopMetrics? = nil,
        faults: FaultSwitchboard? = nil, http: HTTPClient = PaymentGatewayClient.http
    ) {
        self.metrics = metrics
        self.faults = faults
        self.address = address
        self.settings = settings
        self.http = http
        self.clock = clock
        let openMilliseconds =
            settings.breakerOpenDuration.components.seconds * 1000
            + settings.breakerOpenDuration.components.attoseconds / 1_000_000_000_000_000
        breaker = Mutex(CircuitBreaker(failureThreshold: settings.breakerFailureThreshold, openDurationMilliseconds: max(1, openMilliseconds)))
    }

    package var breakerState: CircuitBreaker.State { breaker.withLock { $0.state } }

    /// Authorises and captures `amount` for payment `paymentID`, in one call (a sale). An authorisation the
    /// gateway answers as only authorised (one made before, under the same key, or a gateway that does not
    /// capture at once) is captured by a second call.
    package func charge(paymentID: String, amount: Money) async -> GatewayResult {
        await guarded(.charge) {
            let request = GatewayWire.AuthorizeRequest(
                amountMinor: amount.minorUnits, currency: amount.currency.code, reference: paymentID, capture: true)
            let (status, authorization) = try await self.post(
                "/v1/authorizations", span: "POST /v1/authorizations", key: "authorize-\(paymentID)", body: request)
            if status == 402 { return .declined(reason: authorization?.declineReason ?? "declined") }
            guard (200..<300).contains(status), let authorization else { return Self.classify(status) }
            if authorization.status == "captured" { return .captured(reference: authorization.id) }
            let (captureStatus, captured) = try await self.post(
                "/v1/authorizations/\(authorization.id)/capture", span: "POST /v1/authorizations/{id}/capture", key: "capture-\(paymentID)",
                body: Empty?.none)
            guard (200..<300).contains(captureStatus), captured?.status == "captured" else { return Self.classify(captureStatus) }
            return .captured(reference: authorization.id)
        }
    }

    /// Refunds the captured authorisation `reference` of payment `paymentID`.
    package func refund(paymentID: String, reference: String) async -> GatewayResult {
        await guarded(.refund) {
            let (status, refunded) = try await self.post(
                "/v1/authorizations/\(reference)/refund", span: "POST /v1/authorizations/{id}/refund", key: "refund-\(paymentID)", body: Empty?.none)
            guard (200..<300).contains(status), refunded?.status == "refunded" else { return Self.classify(status) }
            return .refunded(reference: reference)
        }
    }

    private struct Empty: Encodable {}

    /// Runs `call` if the breaker allows it and feeds its result back: retryable failures count against
    /// the gateway; declines and refusals are answers, so they count as the gateway working.
    private func guarded(_ operation: ShopMetrics.GatewayOperation, _ call: () async throws -> GatewayResult) async -> GatewayResult {
        guard breaker.withLock({ $0.allowsCall(at: clock.now()) }) else {
            metrics?.gatewayCall(operation, result: "circuit_open", seconds: 0)
            return .retryable("circuit open")
        }
        let start = ContinuousClock.now
        let result: GatewayResult
        do {
            if let injected = try await injectedFault(operation) {
                result = injected
            } else {
                result = try await call()
                recordRoundTrip(operation, ContinuousClock.now - start)
            }
        } catch {
            result = .retryable("gateway unreachable: \(error)")
        }
        let elapsed = ContinuousClock.now - start
        let state = breaker.withLock { breaker -> CircuitBreaker.State in
            if case .retryable = result { breaker.recordFailure(at: clock.now()) } else { breaker.recordSuccess() }
            return breaker.state
        }
        if let metrics {
            let label: String =
                switch result {
                case .captured, .refunded: "ok"
                case .declined: "declined"
                case .retryable, .permanent: "error"
                }
            metrics.gatewayCall(operation, result: label, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            metrics.circuitState(ShopMetrics.CircuitState(rawValue: state.rawValue) ?? .closed)
        }
        return result
    }

    /// The switchboard's gateway faults: added latency (a call slower than the timeout times out) and
    /// failures, each of which takes as long as the operation's recent answered calls.
    private func injectedFault(_ operation: ShopMetrics.GatewayOperation) async throws -> GatewayResult? {
        guard let switchboard = faults else { return nil }
        let faults = switchboard.faults
        if faults.gatewayLatencyMilliseconds > 0 {
            let latency = Duration.milliseconds(faults.gatewayLatencyMilliseconds)
            try await Task.sleep(for: min(latency, settings.timeout))
            if latency >= settings.timeout { return .retryable("timed out (injected latency)") }
        }
        guard switchboard.strikes(at: .gateway) else { return nil }
        if let roundTrip = roundTrips.withLock({ $0[operation] }) { try await Task.sleep(for: min(roundTrip, settings.timeout)) }
        return .retryable("injected gateway failure")
    }

    /// Folds one answered call into the operation's average (weight 1/8: steady, yet follows a slower gateway).
    private func recordRoundTrip(_ operation: ShopMetrics.GatewayOperation, _ elapsed: Duration) {
        roundTrips.withLock { averages in
            averages[operation] = averages[operation].map { $0 * 0.875 + elapsed * 0.125 } ?? elapsed
        }
    }

    /// The process's HTTP client for gateways, with AsyncHTTPClient's own tracing off: it would capture
    /// whichever tracer existed when it was made and add a second `traceparent`. The span and its header are
    /// ours (`post`). Like `HTTPClient.shared`, it lives as long as the process.
    package static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.tracing.tracer = nil
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// One call, as a client span named for the route whose context travels in `traceparent`, so the
    /// gateway's server span is its child.
    private func post(_ path: String, span name: String, key: String, body: (some Encodable)?) async throws -> (Int, GatewayWire.Authorization?) {
        try await withSpan(name, ofKind: .client) { span in
            span.attributes["http.request.method"] = "POST"
            let (status, authorization) = try await send(path, key: key, body: body)
            span.attributes["http.response.status_code"] = status
            if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
            return (status, authorization)
        }
    }

    private func send(_ path: String, key: String, body: (some Encodable)?) async throws -> (Int, GatewayWire.Authorization?) {
        var request = HTTPClientRequest(url: await address.get() + path)
        InstrumentationSystem.instrument.inject(ServiceContext.current ?? .topLevel, into: &request.headers, using: HTTPHeadersInjector())
        request.method = .POST
        request.headers.add(name: "Idempotency-Key", value: key)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        }
        let timeout = TimeAmount.nanoseconds(
            settings.timeout.components.seconds * 1_000_000_000 + settings.timeout.components.attoseconds / 1_000_000_000)
        let response = try await http.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 * 1024)
        let authorization = try? JSONDecoder().decode(GatewayWire.Authorization.self, from: Data(buffer: bytes))
        return (Int(response.status.code), authorization)
    }

    static func classify(_ status: Int) -> GatewayResult {
        switch status {
        case 408, 429, 500...599: .retryable("gateway answered \(status)")
        default: .permanent("gateway answered \(status)")
        }
    }
}

/// Writes trace context into AsyncHTTPClient's headers.
struct HTTPHeadersInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
        headers.replaceOrAdd(name: key, value: value)
    }
}
