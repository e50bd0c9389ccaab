import Foundation
import ShopDomain
import ShopStore
import ShopSupport

/// The repository with cache-aside reads of products and stock levels (BRIEF: cache first, database on a
/// miss) and invalidation after every committed write that moves stock: orders, cancellations, refunds,
/// failed payments, restocks, adjustments and picks. A cached stock figure is only ever shown; the
/// database's guard decides every reservation.
///
/// A read that misses can race a write: it may store the figure from just before the write after the
/// write dropped the key. The one-minute TTL bounds how long such a figure is shown.
package struct CachingShopRepository: ShopRepository {
    let base: any ShopRepository
    let cache: FallbackCache

    package init(_ base: any ShopRepository, cache: FallbackCache) {
        self.base = base
        self.cache = cache
    }

    package func product(_ sku: SKU) async throws -> Product {
        try await cached(.catalog, sku) { try await base.product(sku) }
    }

    package func stock(_ sku: SKU) async throws -> StockLevel {
        try await cached(.stock, sku) { try await base.stock(sku) }
    }

    package func changeStock(_ sku: SKU, _ change: StockChange, by actor: Principal, at now: Timestamp) async throws -> StockLevel {
        let level = try await base.changeStock(sku, change, by: actor, at: now)
        await cache.invalidate(.stock, [sku.code])
        return level
    }

    package func placeOrder(_ request: OrderRequest, customerID: String, idempotencyKey: String?, at now: Timestamp) async throws -> PlacedOrder {
        let placed = try await base.placeOrder(request, customerID: customerID, idempotencyKey: idempotencyKey, at: now)
        if !placed.replayed { await invalidateStock(of: placed.order) }
        return placed
    }

    package func closeOrder(id: String, as target: OrderStatus, by actor: Principal, at now: Timestamp) async throws -> Order {
        let order = try await base.closeOrder(id: id, as: target, by: actor, at: now)
        await invalidateStock(of: order)
        return order
    }

    package func recordPaymentOutcomes(_ attempts: [(Payment, PaymentOutcome)], at now: Timestamp) async throws {
        try await base.recordPaymentOutcomes(attempts, at: now)
        for (payment, outcome) in attempts {
            switch outcome {
            case .declined, .failed:
                // The order went to payment_failed, which gives its stock back.
                await invalidateStock(of: try await base.order(id: payment.orderID))
            case .captured, .retry, .refunded:
                break
            }
        }
    }

    private func invalidateStock(of order: Order) async {
        await cache.invalidate(.stock, order.lines.map(\.sku.code))
    }

    /// The cached value of `sku` in `keyspace`, or `load()`'s, stored for next time. An entry that no
    /// longer decodes is a miss.
    private func cached<Value: Codable>(_ keyspace: CacheKeyspace, _ sku: SKU, load: () async throws -> Value) async throws -> Value {
        if let text = await cache.get(keyspace, sku.code), let value = try? JSONDecoder().decode(Value.self, from: Data(text.utf8)) {
            return value
        }
        let value = try await load()
        if let data = try? JSONEncoder().encode(value) {
            await cache.set(keyspace, sku.code, String(decoding: data, as: UTF8.self))
        }
        return value
    }

    // Everything else goes straight to the database.
    package func prepare(demoCatalogSize: Int, at now: Timestamp) async throws { try await base.prepare(demoCatalogSize: demoCatalogSize, at: now) }
    package func isReady() async -> Bool { await base.isReady() }
    package func products(_ page: PageRequest) async throws -> Page<Product> { try await base.products(page) }
    package func order(id: String) async throws -> Order { try await base.order(id: id) }
    package func orders(customerID: String, _ page: PageRequest) async throws -> Page<Order> { try await base.orders(customerID: customerID, page) }
    package func payment(orderID: String) async throws -> Payment { try await base.payment(orderID: orderID) }
    package func claimDuePayments(limit: Int, leaseMilliseconds: Int64, at now: Timestamp) async throws -> [Payment] {
        try await base.claimDuePayments(limit: limit, leaseMilliseconds: leaseMilliseconds, at: now)
    }
}
