import Foundation
import Hummingbird
import ShopDomain
import ShopStore
import ShopSupport

/// The JSON the API answers with, keys spelled as on the wire (snake_case, as the OpenAPI document says).
struct MoneyBody: Codable, Equatable {
    let amountMinor: Int64
    let currency: String

    init(_ money: Money) {
        amountMinor = money.minorUnits
        currency = money.currency.code
    }

    enum CodingKeys: String, CodingKey {
        case amountMinor = "amount_minor", currency
    }
}

struct ProductBody: ResponseEncodable {
    let sku: String
    let name: String
    let price: MoneyBody

    init(_ product: Product) {
        sku = product.sku.code
        name = product.name
        price = MoneyBody(product.price)
    }
}

struct StockBody: ResponseEncodable {
    let sku: String
    let quantity: Int64
    let updatedAt: String

    init(_ level: StockLevel) {
        sku = level.sku.code
        quantity = level.quantity
        updatedAt = level.updatedAt.rfc3339
    }

    enum CodingKeys: String, CodingKey {
        case sku, quantity, updatedAt = "updated_at"
    }
}

struct OrderLineBody: Codable {
    let sku: String
    let quantity: Int64
    let unitPrice: MoneyBody
    let lineTotal: MoneyBody

    enum CodingKeys: String, CodingKey {
        case sku, quantity, unitPrice = "unit_price", lineTotal = "line_total"
    }
}

struct OrderBody: ResponseEncodable {
    let id: String
    let customerId: String
    let status: String
    let total: MoneyBody
    let items: [OrderLineBody]
    let createdAt: String
    let updatedAt: String

    init(_ order: Order) {
        id = order.id
        customerId = order.customerID
        status = order.status.rawValue
        total = MoneyBody(order.total)
        items = order.lines.map {
            // Cannot overflow: the order's total, which includes this line, was computed with checks.
            OrderLineBody(
                sku: $0.sku.code, quantity: $0.quantity, unitPrice: MoneyBody($0.unitPrice),
                lineTotal: MoneyBody($0.unitPrice.times($0.quantity)!))
        }
        createdAt = order.createdAt.rfc3339
        updatedAt = order.updatedAt.rfc3339
    }

    enum CodingKeys: String, CodingKey {
        case id, customerId = "customer_id", status, total, items, createdAt = "created_at", updatedAt = "updated_at"
    }
}

struct PaymentBody: ResponseEncodable {
    let id: String
    let orderId: String
    let status: String
    let amount: MoneyBody
    let attempts: Int
    let nextAttemptAt: String?
    let lastError: String?
    let updatedAt: String

    init(_ payment: Payment) {
        id = payment.id
        orderId = payment.orderID
        status = payment.status.rawValue
        amount = MoneyBody(payment.amount)
        attempts = payment.attempts
        nextAttemptAt = payment.status == .pending || payment.status == .refundPending ? payment.nextAttemptAt.rfc3339 : nil
        lastError = payment.lastError
        updatedAt = payment.updatedAt.rfc3339
    }

    enum CodingKeys: String, CodingKey {
        case id, orderId = "order_id", status, amount, attempts, nextAttemptAt = "next_attempt_at", lastError = "last_error"
        case updatedAt = "updated_at"
    }
}

struct PageBody<Item: Encodable & Sendable>: ResponseEncodable {
    let items: [Item]
    let nextCursor: String?

    // Written out so that `next_cursor` is present as null on the last page, not left out.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }

    enum CodingKeys: String, CodingKey {
        case items, nextCursor = "next_cursor"
    }
}

struct StatusBody: ResponseEncodable {
    let status: String
}

/// Request bodies. Every key is one word, so the wire names are the Swift names.
struct PlaceOrderBody: Decodable {
    struct Item: Decodable {
        let sku: String
        let quantity: WholeNumber
    }

    let items: [Item]

    var requestedItems: [RequestedItem] { items.map { RequestedItem(sku: $0.sku, quantity: $0.quantity.value) } }
}

struct SetStockBody: Decodable {
    let quantity: WholeNumber
    let reason: String
}

struct AdjustStockBody: Decodable {
    let delta: WholeNumber
    let reason: String
}

struct PickStockBody: Decodable {
    let quantity: WholeNumber
    let reference: String?
}

/// A JSON integer that fits in Int64. Decoded through Decimal because swift-foundation reports `1.5` or
/// `1e30` for an Int64 as invalid JSON with no coding path, which would hide the field from the client.
struct WholeNumber: Codable {
    let value: Int64

    init(_ value: Int64) {
        self.value = value
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    init(from decoder: any Decoder) throws {
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

/// The fault switchboard's settings on the wire (also its response).
struct FaultsBody: ResponseEncodable, Decodable {
    struct RouteFaultBody: Codable {
        let errorRatio: Double?
        let latencyMs: WholeNumber?

        enum CodingKeys: String, CodingKey {
            case errorRatio = "error_ratio", latencyMs = "latency_ms"
        }
    }

    let gatewayFailureRatio: Double?
    let gatewayLatencyMs: WholeNumber?
    let databaseLatencyMs: WholeNumber?
    let routes: [String: RouteFaultBody]?

    init(_ faults: Faults) {
        gatewayFailureRatio = faults.gatewayFailureRatio
        gatewayLatencyMs = WholeNumber(Int64(faults.gatewayLatencyMilliseconds))
        databaseLatencyMs = WholeNumber(Int64(faults.databaseLatencyMilliseconds))
        routes = faults.routes.mapValues { RouteFaultBody(errorRatio: $0.errorRatio, latencyMs: WholeNumber(Int64($0.latencyMilliseconds))) }
    }

    /// Absent fields are 0: a PUT replaces every fault. Latencies past Int are clamped, then refused by validation.
    var faults: Faults {
        func milliseconds(_ number: WholeNumber?) -> Int { Int(clamping: number?.value ?? 0) }
        return Faults(
            gatewayFailureRatio: gatewayFailureRatio ?? 0, gatewayLatencyMilliseconds: milliseconds(gatewayLatencyMs),
            databaseLatencyMilliseconds: milliseconds(databaseLatencyMs),
            routes: (routes ?? [:]).mapValues { Faults.RouteFault(errorRatio: $0.errorRatio ?? 0, latencyMilliseconds: milliseconds($0.latencyMs)) })
    }

    enum CodingKeys: String, CodingKey {
        case gatewayFailureRatio = "gateway_failure_ratio", gatewayLatencyMs = "gateway_latency_ms"
        case databaseLatencyMs = "database_latency_ms", routes
    }
}
