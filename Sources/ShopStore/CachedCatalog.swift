import ShopDomain
import ShopSupport

/// Product reads through an in-process cache: catalog entries live a day (the design's catalog TTL).
/// Nothing in the API changes a product, so there is nothing to invalidate yet.
package struct CachedCatalog: Sendable {
    package static let timeToLiveMilliseconds: Int64 = 86_400_000

    let repository: any ShopRepository
    let cache: ExpiringCache<SKU, Product>

    package init(repository: any ShopRepository, clock: any ShopClock, capacity: Int = 100_000) {
        self.repository = repository
        cache = ExpiringCache(timeToLiveMilliseconds: Self.timeToLiveMilliseconds, capacity: capacity, clock: clock)
    }

    package func product(_ sku: SKU) async throws -> Product {
        if let cached = cache[sku] { return cached }
        let product = try await repository.product(sku)
        cache.store(product, for: sku)
        return product
    }
}
