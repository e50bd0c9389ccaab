import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import PaymentGateway
import ShopAPITestSupport
import ShopDomain
import ShopTestSupport
import Testing

/// The gateway client against a real sandbox over HTTP.
@Suite("Gateway client")
struct GatewayClientTests {
    static let amount = Money(minorUnits: 1_250, currency: .eur)

    @Test func theCircuitOpensAfterConsecutiveFailuresAndStopsCallingTheGateway() async throws {
        try await withSandbox(.init(failureRatio: 1)) { sandbox, url in
            let clock = ManualClock()
            let client = PaymentGatewayClient(
                address: GatewayAddress(url: url), settings: .init(breakerFailureThreshold: 3, breakerOpenDuration: .seconds(10)), clock: clock)
            for i in 0..<3 {
                #expect(await client.charge(paymentID: "p\(i)", amount: Self.amount) == .retryable("gateway answered 503"))
            }
            #expect(client.breakerState == .open)
            #expect(await client.charge(paymentID: "p3", amount: Self.amount) == .retryable("circuit open"))
            #expect(sandbox.ledger.calls == 3)

            // After the open period one trial goes through; the gateway has recovered, so the circuit closes.
            sandbox.settings = .init()
            clock.advance(milliseconds: 10_000)
            let result = await client.charge(paymentID: "p4", amount: Self.amount)
            guard case .captured(let reference) = result else {
                Issue.record("expected a capture after the open period, got \(result)")
                return
            }
            #expect(reference.hasPrefix("auth_"))
            #expect(client.breakerState == .closed)
            #expect(sandbox.ledger.calls == 4 && sandbox.ledger.captures == 1)  // the trial is one call: a sale
        }
    }

    @Test func aDeclineIsAnAnswerNotAFailure() async throws {
        try await withSandbox(.init(declineRatio: 1)) { sandbox, url in
            let client = PaymentGatewayClient(address: GatewayAddress(url: url), settings: .init(breakerFailureThreshold: 1), clock: ManualClock())
            for i in 0..<3 {
                #expect(await client.charge(paymentID: "d\(i)", amount: Self.amount) == .declined(reason: "card_declined"))
            }
            #expect(client.breakerState == .closed)
            #expect(sandbox.ledger.declines == 3 && sandbox.ledger.captures == 0)
        }
    }

    /// A charge is one call that authorises and captures; an authorisation the gateway holds as only
    /// authorised under the payment's key (made before, authorise-only) is captured by a second call, once.
    @Test func aChargeIsOneCallAndAnAuthorisationMadeBeforeIsCaptured() async throws {
        try await withSandbox { sandbox, url in
            let client = PaymentGatewayClient(address: GatewayAddress(url: url), settings: .init(timeout: .seconds(10)), clock: ManualClock())
            guard case .captured = await client.charge(paymentID: "sale", amount: Self.amount) else {
                Issue.record("expected a capture")
                return
            }
            #expect(sandbox.ledger.calls == 1 && sandbox.ledger.captures == 1)

            var request = HTTPClientRequest(url: url + "/v1/authorizations")
            request.method = .POST
            request.headers.add(name: "Idempotency-Key", value: "authorize-earlier")
            request.body = .bytes(ByteBuffer(string: #"{"amount_minor":1250,"currency":"EUR","reference":"earlier"}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            #expect(response.status == .created)
            guard case .captured = await client.charge(paymentID: "earlier", amount: Self.amount) else {
                Issue.record("expected the earlier authorisation captured")
                return
            }
            #expect(sandbox.ledger.calls == 4 && sandbox.ledger.captures == 2 && sandbox.ledger.repeatedCaptures == 0, "\(sandbox.ledger)")
        }
    }

    /// An injected failure takes as long as the calls the gateway answered, so a batch's failures are not
    /// counted ahead of its successes (on a game day's compressed clock that looked like minutes of outage).
    @Test func anInjectedFailureTakesAsLongAsAnAnsweredCall() async throws {
        try await withSandbox(.init(latencyMilliseconds: 150)) { sandbox, url in
            let switchboard = FaultSwitchboard()
            // A generous timeout: beside a full parallel suite the first, answered charge passed the 2 s default twice.
            let client = PaymentGatewayClient(
                address: GatewayAddress(url: url), settings: .init(timeout: .seconds(10)), clock: ManualClock(), faults: switchboard)
            guard case .captured = await client.charge(paymentID: "rt0", amount: Self.amount) else {
                Issue.record("expected a capture before any fault")
                return
            }

            switchboard.faults = Faults(gatewayFailureRatio: 1)
            let injected = ContinuousClock.now
            #expect(await client.charge(paymentID: "rt1", amount: Self.amount) == .retryable("injected gateway failure"))
            #expect(ContinuousClock.now - injected >= .milliseconds(150))  // the sale's one call, 150 ms
            #expect(sandbox.ledger.calls == 1)  // the injected failure never reached the gateway
        }
    }
}
