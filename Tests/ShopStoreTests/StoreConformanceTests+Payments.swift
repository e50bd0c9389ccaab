import ShopDomain
import ShopSupport
import ShopTestSupport
import Synchronization
import Testing

@testable import ShopStore

/// Payments on both stores: claiming, leasing, recording outcomes, refunds.
extension StoreConformanceTests {
    /// The claim takes the earliest due payments straight from the `payments_due` index, without sorting
    /// every unsettled payment first (which slowed settlement as a backlog grew). Sequential scans are
    /// turned off on PostgreSQL: on a table this small it would rather scan than use any index.
    @Test(arguments: StoreKind.tested)
    func claimingDuePaymentsReadsThemInOrderFromTheIndex(_ kind: StoreKind) async throws {
        try await withTestDatabase(kind) { database in
            try await SQLShopRepository(database: database).prepare(demoCatalogSize: 5, at: Self.t0)
            let claim = SQLShopRepository.claimStatement(limit: 32, leaseMilliseconds: 30_000, at: Self.t0, dialect: database.dialect)
            let plan = try await database.transaction { db in
                if database.dialect == .postgres {
                    try await db.query("SET LOCAL enable_seqscan = off")
                    return try await db.query("EXPLAIN " + claim).map { try $0.text(0) }
                }
                return try await db.query("EXPLAIN QUERY PLAN " + claim).map { try $0.text(3) }
            }.joined(separator: "\n")
            #expect(plan.contains("payments_due"), "\(plan)")
            #expect(!plan.contains("Sort") && !plan.contains("TEMP B-TREE"), "\(plan)")
        }
    }

    @Test(arguments: StoreKind.tested)
    func paymentsAreLeasedOnceAndSettleTheOrder(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let sku = SKU("SKU-00011")!
            let before = try await repository.stock(sku).quantity
            let captured = try await repository.placeOrder(try request(("SKU-00011", 1)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            let declined = try await repository.placeOrder(try request(("SKU-00011", 2)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            let retried = try await repository.placeOrder(try request(("SKU-00011", 3)), customerID: "c1", idempotencyKey: nil, at: Self.t0)

            async let leasedA = repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0)
            async let leasedB = repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0)
            let leased = try await leasedA + leasedB
            #expect(leased.count == 3 && Set(leased.map(\.id)).count == 3)
            #expect(leased.allSatisfy { $0.attempts == 1 })
            #expect(try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0).isEmpty)

            try await repository.recordPaymentOutcome(
                try await repository.payment(orderID: captured.order.id), .captured(reference: "auth_1"), at: Self.t0)
            try await repository.recordPaymentOutcome(
                try await repository.payment(orderID: declined.order.id), .declined(reason: "card_declined"), at: Self.t0)
            let retryAt = Self.t0.adding(milliseconds: 5_000)
            try await repository.recordPaymentOutcome(
                try await repository.payment(orderID: retried.order.id), .retry(error: "503", nextAttemptAt: retryAt), at: Self.t0)

            #expect(try await repository.order(id: captured.order.id).status == .confirmed)
            #expect(try await repository.payment(orderID: captured.order.id).gatewayReference == "auth_1")
            #expect(try await repository.order(id: declined.order.id).status == .paymentFailed)
            #expect(try await repository.order(id: retried.order.id).status == .pending)
            // The declined order's two units came back; the others stay reserved.
            #expect(try await repository.stock(sku).quantity == before - 4)

            #expect(try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0.adding(milliseconds: 4_999)).isEmpty)
            let again = try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: retryAt)
            #expect(again.map(\.id) == [retried.paymentID] && again[0].attempts == 2)

            // Cancelled while this attempt is in flight; the capture that lands afterwards is refunded.
            _ = try await repository.closeOrder(id: retried.order.id, as: .cancelled, by: Self.customer, at: retryAt)
            #expect(try await repository.payment(orderID: retried.order.id).status == .pending)
            try await repository.recordPaymentOutcome(
                try await repository.payment(orderID: retried.order.id), .captured(reference: "auth_3"), at: retryAt)
            #expect(try await repository.order(id: retried.order.id).status == .cancelled)
            #expect(try await repository.payment(orderID: retried.order.id).status == .refundPending)
            #expect(try await repository.stock(sku).quantity == before - 1)
        }
    }

    /// Every kind of outcome in one batch, as the processor records them: each does what it does alone, two
    /// failed orders sharing a SKU give back both their units, and a batch with an outcome that cannot be
    /// recorded writes nothing at all.
    @Test(arguments: StoreKind.tested)
    func aBatchOfOutcomesIsRecordedAllOrNothingAsEachAloneWould(_ kind: StoreKind) async throws {
        try await withTestDatabase(kind) { database in
            let repository = SQLShopRepository(database: database)
            try await repository.prepare(demoCatalogSize: 20, at: Self.t0)
            let shared = SKU("SKU-00013")!, other = SKU("SKU-00014")!
            let before = (try await repository.stock(shared).quantity, try await repository.stock(other).quantity)
            func place(_ items: (String, Int64)...) async throws -> String {
                try await repository.placeOrder(
                    OrderRequest(validating: items.map { RequestedItem(sku: $0.0, quantity: $0.1) }), customerID: "c1",
                    idempotencyKey: nil, at: Self.t0
                ).order.id
            }
            let captured = try await place(("SKU-00013", 1))
            let declined = try await place(("SKU-00014", 2), ("SKU-00013", 3))
            let failed = try await place(("SKU-00013", 4))
            let retried = try await place(("SKU-00014", 1))
            let cancelled = try await place(("SKU-00013", 5))
            let refunded = try await place(("SKU-00014", 6))
            _ = try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0)
            try await repository.recordPaymentOutcome(try await repository.payment(orderID: refunded), .captured(reference: "auth_r"), at: Self.t0)
            _ = try await repository.closeOrder(id: refunded, as: .refunded, by: Principal(subject: "a", role: .admin), at: Self.t0)
            _ = try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: Self.t0)
            _ = try await repository.closeOrder(id: cancelled, as: .cancelled, by: Self.customer, at: Self.t0)
            let now = Self.t0.adding(milliseconds: 1_000), retryAt = Self.t0.adding(milliseconds: 9_000)
            let batch: [(String, PaymentOutcome)] = [
                (captured, .captured(reference: "auth_c")), (declined, .declined(reason: "card, declined")),
                (failed, .failed(error: "4 attempts failed")), (retried, .retry(error: "503", nextAttemptAt: retryAt)),
                (cancelled, .captured(reference: "auth_x")), (refunded, .refunded(reference: "auth_r")),
            ]
            var attempts: [(Payment, PaymentOutcome)] = []
            for (order, outcome) in batch { attempts.append((try await repository.payment(orderID: order), outcome)) }
            let audited = try await database.query("SELECT COUNT(*) FROM audit_log").first?.int(0) ?? -1

            // One payment whose order does not exist: the whole batch is refused and nothing of it written.
            let stray = Payment(
                id: "p-stray", orderID: "no-such-order", amount: attempts[0].0.amount, status: .pending, attempts: 1,
                nextAttemptAt: Self.t0, gatewayReference: nil, lastError: nil, updatedAt: Self.t0, traceParent: nil)
            await #expect(throws: (any Error).self) {
                try await repository.recordPaymentOutcomes(attempts + [(stray, .declined(reason: "x"))], at: now)
            }
            #expect(try await repository.order(id: captured).status == .pending)
            #expect(try await repository.payment(orderID: declined).status == .pending)
            #expect(try await database.query("SELECT COUNT(*) FROM audit_log").first?.int(0) == audited)

            try await repository.recordPaymentOutcomes(attempts, at: now)
            var orders: [OrderStatus] = [], payments: [Payment] = []
            for id in [captured, declined, failed, retried, cancelled, refunded] {
                orders.append(try await repository.order(id: id).status)
                payments.append(try await repository.payment(orderID: id))
            }
            #expect(orders == [.confirmed, .paymentFailed, .paymentFailed, .pending, .cancelled, .refunded])
            #expect(payments.map(\.status) == [.captured, .declined, .failed, .pending, .refundPending, .refunded])
            #expect(payments.map(\.gatewayReference) == ["auth_c", nil, nil, nil, "auth_x", "auth_r"])
            #expect(payments.map(\.lastError) == [nil, "card, declined", "4 attempts failed", "503", nil, nil])
            #expect(payments[3].nextAttemptAt == retryAt && payments[4].nextAttemptAt == now && payments[4].attempts == 0)
            #expect(payments.allSatisfy { $0.updatedAt == now })
            // Declined and failed gave back 3 + 4 of the shared SKU and 2 of the other; the cancelled and
            // refunded orders had already; the captured and retried keep theirs.
            #expect(try await repository.stock(shared).quantity == before.0 - 1)
            #expect(try await repository.stock(other).quantity == before.1 - 1)
            // Leases are released: the retried payment is due again at its time, the refund at once.
            #expect(
                Set(try await repository.claimDuePayments(limit: 10, leaseMilliseconds: 30_000, at: retryAt).map(\.orderID)) == [retried, cancelled])
            let actions = try await database.query(
                "SELECT subject, action FROM audit_log WHERE actor = 'payment-processor' AND at_ms = \(now) ORDER BY subject, action"
            ).map { "\(try $0.text(0)) \(try $0.text(1))" }
            #expect(
                actions.sorted()
                    == [
                        "\(captured) order.confirmed", "\(captured) payment.captured", "\(declined) order.payment_failed",
                        "\(declined) payment.declined",
                        "\(failed) order.payment_failed", "\(failed) payment.failed", "\(cancelled) payment.refund_pending",
                        "\(refunded) payment.refunded",
                    ].sorted())
        }
    }

    @Test(arguments: StoreKind.tested)
    func refundingAConfirmedOrderReleasesStockAndQueuesTheRefund(_ kind: StoreKind) async throws {
        try await withRepository(kind) { repository in
            let sku = SKU("SKU-00012")!
            let before = try await repository.stock(sku).quantity
            let placed = try await repository.placeOrder(try request(("SKU-00012", 2)), customerID: "c1", idempotencyKey: nil, at: Self.t0)
            await #expect(throws: ShopError.invalidState(resource: "order", state: "pending", action: "refund")) {
                try await repository.closeOrder(id: placed.order.id, as: .refunded, by: Principal(subject: "a", role: .admin), at: Self.t0)
            }
            _ = try await repository.claimDuePayments(limit: 1, leaseMilliseconds: 1000, at: Self.t0)
            try await repository.recordPaymentOutcome(
                try await repository.payment(orderID: placed.order.id), .captured(reference: "auth_9"), at: Self.t0)
            let refunded = try await repository.closeOrder(id: placed.order.id, as: .refunded, by: Principal(subject: "a", role: .admin), at: Self.t0)
            #expect(refunded.status == .refunded)
            #expect(try await repository.stock(sku).quantity == before)
            let due = try await repository.claimDuePayments(limit: 5, leaseMilliseconds: 1000, at: Self.t0)
            #expect(due.map(\.status) == [.refundPending] && due[0].gatewayReference == "auth_9")
            try await repository.recordPaymentOutcome(
                try await repository.payment(orderID: placed.order.id), .refunded(reference: "auth_9"), at: Self.t0)
            #expect(try await repository.payment(orderID: placed.order.id).status == .refunded)
        }
    }
}

/// `Result(catching:)` for async work.
func result<Value>(_ body: () async throws -> Value) async -> Result<Value, any Error> {
    do {
        return .success(try await body())
    } catch {
        return .failure(error)
    }
}

/// Set once, read from any task.
final class ReleaseFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
