import ShopDomain
import ShopSupport

/// Everything the API asks of storage. One implementation, `SQLShopRepository`, serves both SQLite and
/// PostgreSQL; the conformance suite runs against both.
package protocol ShopRepository: Sendable {
    /// Applies migrations and, when the catalog is empty, seeds `demoCatalogSize` demo products.
    func prepare(demoCatalogSize: Int, at now: Timestamp) async throws

    /// True when the database answers and every migration is applied.
    func isReady() async -> Bool

    func products(_ page: PageRequest) async throws -> Page<Product>
    func product(_ sku: SKU) async throws -> Product
    func stock(_ sku: SKU) async throws -> StockLevel
    func changeStock(_ sku: SKU, _ change: StockChange, by actor: Principal, at now: Timestamp) async throws -> StockLevel

    /// Reserves every line's stock, snapshots prices and writes the order, its lines, a pending payment
    /// and an audit row in one transaction. With an idempotency key already used for the same request,
    /// answers the first response again instead.
    func placeOrder(_ request: OrderRequest, customerID: String, idempotencyKey: String?, at now: Timestamp) async throws -> PlacedOrder
    func order(id: String) async throws -> Order
    func orders(customerID: String, _ page: PageRequest) async throws -> Page<Order>
    /// Cancels (`pending`/`confirmed` → `cancelled`) or refunds (`confirmed` → `refunded`); releases the
    /// order's stock exactly once and settles its payment (void, or refund through the gateway).
    func closeOrder(id: String, as target: OrderStatus, by actor: Principal, at now: Timestamp) async throws -> Order

    func payment(orderID: String) async throws -> Payment
    /// Leases up to `limit` payments whose next attempt is due (a charge or a refund), so no other worker
    /// takes them until `leaseMilliseconds` pass.
    func claimDuePayments(limit: Int, leaseMilliseconds: Int64, at now: Timestamp) async throws -> [Payment]
    /// Records what attempts on leased payments came to, and moves their orders accordingly: all or
    /// nothing, in one round trip on PostgreSQL.
    func recordPaymentOutcomes(_ attempts: [(Payment, PaymentOutcome)], at now: Timestamp) async throws
}

extension ShopRepository {
    /// Records what an attempt on a leased `payment` came to, and moves its order accordingly.
    package func recordPaymentOutcome(_ payment: Payment, _ outcome: PaymentOutcome, at now: Timestamp) async throws {
        try await recordPaymentOutcomes([(payment, outcome)], at: now)
    }
}

package struct PlacedOrder: Sendable {
    package let order: Order
    package let paymentID: String
    /// True when this answers an earlier request with the same idempotency key.
    package let replayed: Bool
}

package struct Payment: Sendable, Equatable {
    package let id: String
    package let orderID: String
    package let amount: Money
    package let status: PaymentStatus
    /// Attempts made so far, the current leased one included.
    package let attempts: Int
    package let nextAttemptAt: Timestamp
    package let gatewayReference: String?
    package let lastError: String?
    package let updatedAt: Timestamp
    /// The W3C `traceparent` of the request that placed the order, so settling it continues that trace.
    package let traceParent: String?
}

/// What one attempt at the gateway came to.
package enum PaymentOutcome: Sendable, Equatable {
    case captured(reference: String)
    case declined(reason: String)
    /// Retryable failure: try again at `nextAttemptAt`.
    case retry(error: String, nextAttemptAt: Timestamp)
    /// No attempt left, or an error retrying cannot fix: parked for manual review.
    case failed(error: String)
    case refunded(reference: String)
}
