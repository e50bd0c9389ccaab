/// An amount in integer minor units (cents) of one currency. Never floating point: a total must add up
/// to the cent on every platform.
package struct Money: Sendable, Hashable, Codable {
    package var minorUnits: Int64
    package var currency: Currency

    package init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// `self × quantity`, or nil when it would overflow.
    package func times(_ quantity: Int64) -> Money? {
        let (product, overflow) = minorUnits.multipliedReportingOverflow(by: quantity)
        return overflow ? nil : Money(minorUnits: product, currency: currency)
    }

    /// `self + other`, or nil when the currencies differ or the sum would overflow.
    package func plus(_ other: Money) -> Money? {
        guard other.currency == currency else { return nil }
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        return overflow ? nil : Money(minorUnits: sum, currency: currency)
    }
}

/// An ISO 4217 code: three upper-case ASCII letters.
package struct Currency: Sendable, Hashable, Codable, CustomStringConvertible {
    package let code: String

    package init?(_ code: String) {
        guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 >= 65 && $0 <= 90 }) else { return nil }
        self.code = code
    }

    package static let eur = Currency("EUR")!
    package var description: String { code }

    package init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(String.self)
        guard let currency = Currency(raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an ISO 4217 code"))
        }
        self = currency
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
