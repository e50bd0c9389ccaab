/// A stock-keeping unit code: 1 to 32 characters of `A-Z`, `0-9` and `-`.
package struct SKU: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    package let code: String

    package init?(_ code: String) {
        guard (1...32).contains(code.utf8.count),
            code.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 45 })
        else { return nil }
        self.code = code
    }

    package var description: String { code }
    package static func < (lhs: SKU, rhs: SKU) -> Bool { lhs.code < rhs.code }

    package init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let sku = SKU(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a SKU"))
        }
        self = sku
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
