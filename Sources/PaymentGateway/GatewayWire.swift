/// The payment gateway's HTTP API, shared by the sandbox that serves it and the client that calls it.
/// Every POST carries an `Idempotency-Key`; the gateway answers a repeated key with its first answer, so a
/// retried call never charges twice.
public enum GatewayWire {
    public struct AuthorizeRequest: Codable, Sendable {
        public let amountMinor: Int64
        public let currency: String
        /// The shop's payment id, for the gateway's records.
        public let reference: String
        /// Capture in the same call (a sale, as Stripe's automatic capture): one round trip per payment
        /// instead of authorise, then capture. Absent or false: authorise only.
        public var capture: Bool?

        enum CodingKeys: String, CodingKey {
            case amountMinor = "amount_minor"
            case currency, reference, capture
        }
    }

    public struct Authorization: Codable, Sendable, Equatable {
        public let id: String
        /// `authorized`, `captured`, `declined` or `refunded`.
        public var status: String
        public let amountMinor: Int64
        public let currency: String
        public let reference: String
        public var declineReason: String?

        enum CodingKeys: String, CodingKey {
            case id, status, currency, reference
            case amountMinor = "amount_minor"
            case declineReason = "decline_reason"
        }
    }

    /// The sandbox's behaviour, readable and settable at `/v1/sandbox/config` while it runs.
    public struct SandboxSettings: Codable, Sendable, Equatable {
        /// Added to every answer.
        public var latencyMilliseconds: Int
        /// Share of calls answered `503` (retryable), 0…1.
        public var failureRatio: Double
        /// Share of new authorisations declined with `402`, 0…1.
        public var declineRatio: Double

        public init(latencyMilliseconds: Int = 0, failureRatio: Double = 0, declineRatio: Double = 0) {
            self.latencyMilliseconds = latencyMilliseconds
            self.failureRatio = failureRatio
            self.declineRatio = declineRatio
        }

        public var isValid: Bool {
            (0...60_000).contains(latencyMilliseconds) && (0...1).contains(failureRatio) && (0...1).contains(declineRatio)
        }

        enum CodingKeys: String, CodingKey {
            case latencyMilliseconds = "latency_ms"
            case failureRatio = "failure_ratio"
            case declineRatio = "decline_ratio"
        }
    }

    /// What the sandbox has done since it started: how tests prove nothing was charged twice.
    public struct Ledger: Codable, Sendable, Equatable {
        /// Calls to the authorise, capture and refund endpoints, failed ones included.
        public var calls = 0
        public var authorizations = 0
        public var declines = 0
        public var captures = 0
        public var refunds = 0
        public var capturedMinor: Int64 = 0
        public var refundedMinor: Int64 = 0
        /// Captures asked for again under the same key or of an authorisation already captured: answered, not charged.
        public var repeatedCaptures = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case calls, authorizations, declines, captures, refunds
            case capturedMinor = "captured_minor"
            case refundedMinor = "refunded_minor"
            case repeatedCaptures = "repeated_captures"
        }
    }
}
