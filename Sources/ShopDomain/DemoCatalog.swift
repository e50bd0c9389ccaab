/// The catalog the embedded store seeds on first start: the same `count` products every time
/// (SKU, name, price, stock), so demos, tests and load profiles can name SKUs without asking.
package enum DemoCatalog {
    package struct Entry: Sendable, Equatable {
        package let product: Product
        package let stock: Int64
    }

    package static let defaultCount = 1_000

    private static let adjectives = [
        "Classic", "Compact", "Deluxe", "Eco", "Everyday", "Heavy-duty", "Light", "Modern", "Premium", "Rugged", "Smart", "Vintage",
    ]
    private static let nouns = [
        "Backpack", "Blender", "Desk Lamp", "Headphones", "Kettle", "Mug", "Notebook", "Running Shoes", "Scarf", "Speaker", "Tent", "Water Bottle",
        "Watch", "Yoga Mat",
    ]

    /// `SKU-00001` … in order. Prices 1.99 to 499.99 EUR, stock 50 to 5,049 units, from a fixed
    /// integer hash of the index (no random generator, so it never changes between releases).
    package static func entries(count: Int = defaultCount) -> [Entry] {
        (1...max(count, 1)).map { index in
            let hash = mix(UInt64(index))
            let sku = SKU("SKU-" + String(repeating: "0", count: max(0, 5 - String(index).count)) + String(index))!
            let name = "\(adjectives[Int(hash % 12)]) \(nouns[Int((hash >> 8) % 14)]) \(index)"
            let price = Int64(199 + (hash >> 16) % 49_801)
            let stock = Int64(50 + (hash >> 32) % 5_000)
            return Entry(product: Product(sku: sku, name: name, price: Money(minorUnits: price, currency: .eur)), stock: stock)
        }
    }

    /// SplitMix64's finaliser: a fixed, well-spread hash.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
