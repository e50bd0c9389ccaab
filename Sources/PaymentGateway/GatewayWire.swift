/// The payment gateway's HTTP API, shared by the sandbox that serves it and the client that calls it.
/// Every POST carries an `Idempotency-Key`; the gateway answers a repeated key with its first answer, so a
/// retried call never charges twice.
package enum GatewayWire {
    package struct AuthorizeRequest: Codable, Sendable {
        package let amountMinor: Int64
        package let currency: String
        /// The shop's payment id, for the gateway's records.
        package let reference: String
        /// Capture in the same call (a sale, as Stripe's automatic capture): one round trip per payment
        /// instead of authorise, then capture. Absent or false: authorise only.
        package var capture: Bool?

        enum CodingKeys: String, CodingKey {
            case amountMinor = "amount_minor"
            case currency, reference, capture
        }
    }

    package struct Authorization: Codable, Sendable, Equatable {
        package let id: String
        /// `authorized`, `captured`, `declined` or `refunded`.
        package var status: String
        package let amountMinor: Int64
        package let currency: String
        package let reference: String
        package var declineReason: String?

        enum CodingKeys: String, CodingKey {
            case id, status, currency, reference
            case amountMinor = "amount_minor"
            case declineReason = "decline_reason"
        }
    }

    /// The sandbox's behaviour, readable and settable at `/v1/sandbox/config` while it runs.
    package struct SandboxSettings: Codable, Sendable, Equatable {
        /// Added to every answer.
        package var latencyMilliseconds: Int
        /// Share of calls answered `503` (retryable), 0…1.
        package var failureRatio: Double
        /// Share of new authorisations declined with `402`, 0…1.
        package var declineRatio: Double

        package init(latencyMilliseconds: Int = 0, failureRatio: Double = 0, declineRatio: Double = 0) {
            self.latencyMilliseconds = latencyMilliseconds
            self.failureRatio = failureRatio
            self.declineRatio = declineRatio
        }

        package var isValid: Bool {
            (0...60_000).contains(latencyMilliseconds) && (0...1).contains(failureRatio) && (0...1).contains(declineRatio)
        }

        enum CodingKeys: String, CodingKey {
            case latencyMilliseconds = "latency_ms"
            case failureRatio = "failure_ratio"
            case declineRatio = "decline_ratio"
        }
    }

    /// What the sandbox has done since it started: how tests prove nothing was charged twice.
    package struct Ledger: Codable, Sendable, Equatable {
        /// Calls to the authorise, capture and refund endpoints, failed ones included.
        package var calls = 0
        package var authorizations = 0
        package var declines = 0
        package var captures = 0
        package var refunds = 0
        package var capturedMinor: Int64 = 0
        package var refundedMinor: Int64 = 0
        /// Captures asked for again under the same key or of an authorisation already captured: answered, not charged.
        package var repeatedCaptures = 0

        package init() {}

        enum CodingKeys: String, CodingKey {
            case calls, authorizations, declines, captures, refunds
            case capturedMinor = "captured_minor"
            case refundedMinor = "refunded_minor"
            case repeatedCaptures = "repeated_captures"
        }
    }
}
