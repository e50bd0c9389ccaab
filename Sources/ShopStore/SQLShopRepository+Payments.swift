import Foundation
import ShopDomain
import ShopSupport

extension SQLShopRepository {
    /// The statuses the processor still has work for, as an SQL list: the `payments_due` index covers these.
    static let unsettledStatuses = "('\(PaymentStatus.pending.rawValue)', '\(PaymentStatus.refundPending.rawValue)')"
    static let paymentColumnList =
        "id, order_id, amount_minor, currency, status, attempts, next_attempt_at_ms, gateway_reference, last_error, updated_at_ms, trace_parent"

    package func payment(orderID: String) async throws -> Payment {
        let rows = try await database.query("SELECT \(raw: Self.paymentColumnList) FROM payments WHERE order_id = \(orderID)")
        guard let row = rows.first else { throw ShopError.notFound(resource: "payment", id: orderID) }
        return try Self.payment(from: row)
    }

    package func claimDuePayments(limit: Int, leaseMilliseconds: Int64, at now: Timestamp) async throws -> [Payment] {
        let claim = Self.claimStatement(limit: limit, leaseMilliseconds: leaseMilliseconds, at: now, dialect: database.dialect)
        let rows = try await database.query(database.dialect == .postgres ? claim.prepared(as: PaymentClaim.self) : claim)
        return try rows.map(Self.payment(from:))
    }

    /// Leases the `limit` earliest due payments: the one statement `claimDuePayments` runs.
    static func claimStatement(limit: Int, leaseMilliseconds: Int64, at now: Timestamp, dialect: SQLDialect) -> SQL {
        // The statuses are written out, not bound, so that the planner sees they match the partial index.
        let due: SQL = """
            status IN \(raw: Self.unsettledStatuses)
            AND next_attempt_at_ms <= \(now) AND lease_until_ms <= \(now)
            """
        // The outer repeat of `due` is re-checked by PostgreSQL on rows another worker changed meanwhile,
        // so a payment is leased by one worker only; SKIP LOCKED lets workers pass each other's rows.
        let skipLocked = dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return """
            UPDATE payments SET lease_until_ms = \(now.adding(milliseconds: leaseMilliseconds)),
                attempts = attempts + 1, updated_at_ms = \(now)
            WHERE id IN (SELECT id FROM payments WHERE \(due) ORDER BY next_attempt_at_ms LIMIT \(limit)\(raw: skipLocked))
                AND \(due)
            RETURNING \(raw: Self.paymentColumnList)
            """
    }

    package func recordPaymentOutcomes(_ attempts: [(Payment, PaymentOutcome)], at now: Timestamp) async throws {
        guard !attempts.isEmpty else { return }
        if database.dialect == .postgres {
            try await database.query(Self.recordInOneCall(attempts, at: now).prepared(as: PaymentOutcomesCall.self))
            return
        }
        try await database.transaction { db in
            for (payment, outcome) in attempts { try await self.recordPaymentOutcome(db, payment, outcome, at: now) }
        }
    }

    /// The call of `record_payment_outcomes` (migration 6) that records `attempts` on PostgreSQL.
    static func recordInOneCall(_ attempts: [(Payment, PaymentOutcome)], at now: Timestamp) throws -> SQL {
        let rows = attempts.map { payment, outcome in
            RecordedAttempt(
                payment_id: payment.id, order_id: payment.orderID, kind: outcome.kind, detail: outcome.detail,
                next_at: outcome.nextAttemptAt?.millisecondsSinceEpoch,
                payment_audit: Identifier.make(at: now), order_audit: Identifier.make(at: now))
        }
        return recordOutcomesCall(json: String(decoding: try JSONEncoder().encode(rows), as: UTF8.self), at: now)
    }

    static func recordOutcomesCall(json: String, at now: Timestamp) -> SQL {
        "SELECT record_payment_outcomes(\(json)::jsonb, \(now), \(Self.settlementActor))"
    }

    /// One element of `record_payment_outcomes`'s JSON argument.
    private struct RecordedAttempt: Encodable {
        let payment_id, order_id, kind: String
        let detail: String
        let next_at: Int64?
        let payment_audit, order_audit: String
    }

    static let settlementActor = "payment-processor"

    /// One attempt's outcome inside `db`'s transaction: SQLite's form of `record_payment_outcomes`.
    private func recordPaymentOutcome(_ db: any SQLExecutor, _ payment: Payment, _ outcome: PaymentOutcome, at now: Timestamp) async throws {
        let dialect = database.dialect
        let paymentID = payment.id, orderID = payment.orderID
        let actor = Self.settlementActor
        /// The payment's new state and its audit row, in one round trip where the engine allows.
        func settle(_ status: PaymentStatus, reference: String? = nil, error: String? = nil, retryNow: Bool = false) async throws {
            let retry: SQL = retryNow ? ", next_attempt_at_ms = \(now), attempts = 0" : ""
            for statement in dialect.batch([
                """
                UPDATE payments SET status = \(status.rawValue), gateway_reference = COALESCE(\(reference), gateway_reference),
                    last_error = \(error), lease_until_ms = 0, updated_at_ms = \(now)\(retry)
                WHERE id = \(paymentID)
                """,
                Self.auditRow(actor: actor, action: "payment.\(status.rawValue)", subject: orderID, detail: error ?? reference ?? "", at: now),
            ]) {
                try await db.query(statement)
            }
        }
        /// The order fails with its payment unless it was closed meanwhile (stock then already released).
        func failOrder() async throws {
            do {
                try await self.moveOrder(db, id: orderID, to: .paymentFailed, actor: actor, at: now) { $0 == .pending }
            } catch ShopError.invalidState {}
        }
        switch outcome {
        case .captured(let reference):
            do {
                try await self.moveOrder(db, id: orderID, to: .confirmed, actor: actor, at: now) { $0 == .pending }
                try await settle(.captured, reference: reference)
            } catch ShopError.invalidState {
                // Cancelled while the charge was in flight: keep the reference and give the money back.
                try await settle(.refundPending, reference: reference, retryNow: true)
            }
        case .declined(let reason):
            try await settle(.declined, error: reason)
            try await failOrder()
        case .failed(let error):
            try await settle(.failed, error: error)
            try await failOrder()
        case .retry(let error, let next):
            try await db.query(
                """
                UPDATE payments SET last_error = \(error), next_attempt_at_ms = \(next), lease_until_ms = 0, updated_at_ms = \(now)
                WHERE id = \(paymentID)
                """)
        case .refunded(let reference):
            try await settle(.refunded, reference: reference)
        }
    }

    static func payment(from row: SQLRow) throws -> Payment {
        guard let status = PaymentStatus(rawValue: try row.text(4)) else { throw StoreError.corruptRow("payment status") }
        return Payment(
            id: try row.text(0), orderID: try row.text(1), amount: try row.money(2, currencyColumn: 3), status: status,
            attempts: Int(try row.int(5)), nextAttemptAt: try row.timestamp(6), gatewayReference: try row.optionalText(7),
            lastError: try row.optionalText(8), updatedAt: try row.timestamp(9), traceParent: try row.optionalText(10))
    }
}

extension PaymentOutcome {
    /// Its name in `record_payment_outcomes`'s argument.
    fileprivate var kind: String {
        switch self {
        case .captured: "captured"
        case .declined: "declined"
        case .retry: "retry"
        case .failed: "failed"
        case .refunded: "refunded"
        }
    }

    /// The gateway's reference or the error.
    fileprivate var detail: String {
        switch self {
        case .captured(let reference), .refunded(let reference): reference
        case .declined(let text), .retry(let text, _), .failed(let text): text
        }
    }

    fileprivate var nextAttemptAt: Timestamp? {
        if case .retry(_, let next) = self { next } else { nil }
    }
}
