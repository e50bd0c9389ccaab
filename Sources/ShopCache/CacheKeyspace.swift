/// What the shared cache holds, each with its time to live (the design's figures): a key space is also
/// the `keyspace` label of `shop_cache_lookups_total`.
package enum CacheKeyspace: String, Sendable, CaseIterable {
    /// Products by SKU: one day.
    case catalog
    /// Units on hand by SKU: one minute, and dropped after every committed change.
    case stock

    package var timeToLiveMilliseconds: Int64 {
        switch self {
        case .catalog: 86_400_000
        case .stock: 60_000
        }
    }

    /// The Redis key of `id`, under the shop's prefix so the database can be shared.
    package func key(_ id: String) -> String { "shop:\(rawValue):\(id)" }
}
