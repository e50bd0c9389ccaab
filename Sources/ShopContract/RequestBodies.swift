import Foundation
import ShopDomain

/// Request bodies. Every key of an order or a stock change is one word, so the wire names are the Swift
/// names; the switchboard's are snake_case.
package struct PlaceOrderBody: Codable, Sendable {
    package struct Item: Codable, Sendable {
        package let sku: String
        package let quantity: WholeNumber

        package init(sku: String, quantity: Int64) {
            self.sku = sku
            self.quantity = WholeNumber(quantity)
        }
    }

    package let items: [Item]

    package init(items: [Item]) { self.items = items }

    package var requestedItems: [RequestedItem] { items.map { RequestedItem(sku: $0.sku, quantity: $0.quantity.value) } }
}

package struct SetStockBody: Codable, Sendable {
    package let quantity: WholeNumber
    package let reason: String
}

package struct AdjustStockBody: Codable, Sendable {
    package let delta: WholeNumber
    package let reason: String
}

package struct PickStockBody: Codable, Sendable {
    package let quantity: WholeNumber
    package let reference: String?
}

/// A JSON integer that fits in Int64. Decoded through Decimal because swift-foundation reports `1.5` or
/// `1e30` for an Int64 as invalid JSON with no coding path, which would hide the field from the client.
package struct WholeNumber: Codable, Sendable {
    package let value: Int64

    package init(_ value: Int64) {
        self.value = value
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let number = try container.decode(Decimal.self)
        var rounded = Decimal()
        var copy = number
        NSDecimalRound(&rounded, &copy, 0, .plain)
        guard rounded == number, number >= Decimal(Int64.min), number <= Decimal(Int64.max) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be a whole number")
        }
        value = NSDecimalNumber(decimal: number).int64Value
    }
}

/// The fault switchboard's settings on the wire: what `PUT /v1/admin/faults` takes and both its methods
/// answer. The load generator's fault schedule sends them too.
package struct FaultsBody: Codable, Sendable {
    package struct RouteFaultBody: Codable, Sendable {
        package let errorRatio: Double?
        package let latencyMs: WholeNumber?

        enum CodingKeys: String, CodingKey {
            case errorRatio = "error_ratio", latencyMs = "latency_ms"
        }
    }

    package let gatewayFailureRatio: Double?
    package let gatewayLatencyMs: WholeNumber?
    package let databaseLatencyMs: WholeNumber?
    package let routes: [String: RouteFaultBody]?

    package init(_ faults: Faults) {
        gatewayFailureRatio = faults.gatewayFailureRatio
        gatewayLatencyMs = WholeNumber(Int64(faults.gatewayLatencyMilliseconds))
        databaseLatencyMs = WholeNumber(Int64(faults.databaseLatencyMilliseconds))
        routes = faults.routes.mapValues { RouteFaultBody(errorRatio: $0.errorRatio, latencyMs: WholeNumber(Int64($0.latencyMilliseconds))) }
    }

    /// Absent fields are 0: a PUT replaces every fault. Latencies past Int are clamped, then refused by validation.
    package var faults: Faults {
        func milliseconds(_ number: WholeNumber?) -> Int { Int(clamping: number?.value ?? 0) }
        return Faults(
            gatewayFailureRatio: gatewayFailureRatio ?? 0, gatewayLatencyMilliseconds: milliseconds(gatewayLatencyMs),
            databaseLatencyMilliseconds: milliseconds(databaseLatencyMs),
            routes: (routes ?? [:]).mapValues {
                Faults.RouteFault(errorRatio: $0.errorRatio ?? 0, latencyMilliseconds: milliseconds($0.latencyMs))
            })
    }

    enum CodingKeys: String, CodingKey {
        case gatewayFailureRatio = "gateway_failure_ratio", gatewayLatencyMs = "gateway_latency_ms"
        case databaseLatencyMs = "database_latency_ms", routes
    }
}

/// `POST /v1/auth/register` and `POST /v1/auth/token`: an email and a password.
package struct CredentialsBody: Codable, Sendable {
    package let email: String
    package let password: String

    package init(email: String, password: String) {
        self.email = email
        self.password = password
    }
}

/// `POST /v1/auth/refresh` and `POST /v1/auth/logout`: the refresh token a sign-in gave.
package struct RefreshTokenBody: Codable, Sendable {
    package let refreshToken: String

    package init(refreshToken: String) { self.refreshToken = refreshToken }

    enum CodingKeys: String, CodingKey { case refreshToken = "refresh_token" }
}
