import ShopDomain
import ShopSupport

/// The JSON the API answers with, keys spelled as on the wire (snake_case, as the OpenAPI document says).
/// The server encodes them; a client (the load generator, a test) may decode them.
package struct MoneyBody: Codable, Equatable, Sendable {
    package let amountMinor: Int64
    package let currency: String

    package init(_ money: Money) {
        amountMinor = money.minorUnits
        currency = money.currency.code
    }

    enum CodingKeys: String, CodingKey {
        case amountMinor = "amount_minor", currency
    }
}

package struct ProductBody: Codable, Sendable {
    package let sku: String
    package let name: String
    package let price: MoneyBody

    package init(_ product: Product) {
        sku = product.sku.code
        name = product.name
        price = MoneyBody(product.price)
    }
}

package struct StockBody: Codable, Sendable {
    package let sku: String
    package let quantity: Int64
    package let updatedAt: String

    package init(_ level: StockLevel) {
        sku = level.sku.code
        quantity = level.quantity
        updatedAt = level.updatedAt.rfc3339
    }

    enum CodingKeys: String, CodingKey {
        case sku, quantity, updatedAt = "updated_at"
    }
}

package struct OrderLineBody: Codable, Sendable {
    package let sku: String
    package let quantity: Int64
    package let unitPrice: MoneyBody
    package let lineTotal: MoneyBody

    enum CodingKeys: String, CodingKey {
        case sku, quantity, unitPrice = "unit_price", lineTotal = "line_total"
    }
}

package struct OrderBody: Codable, Sendable {
    package let id: String
    package let customerId: String
    package let status: String
    package let total: MoneyBody
    package let items: [OrderLineBody]
    package let createdAt: String
    package let updatedAt: String

    package init(_ order: Order) {
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

package struct PaymentBody: Codable, Sendable {
    package let id: String
    package let orderId: String
    package let status: String
    package let amount: MoneyBody
    package let attempts: Int
    package let nextAttemptAt: String?
    package let lastError: String?
    package let updatedAt: String

    package init(
        id: String, orderId: String, status: String, amount: MoneyBody, attempts: Int, nextAttemptAt: String?, lastError: String?,
        updatedAt: String
    ) {
        self.id = id
        self.orderId = orderId
        self.status = status
        self.amount = amount
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, orderId = "order_id", status, amount, attempts, nextAttemptAt = "next_attempt_at", lastError = "last_error"
        case updatedAt = "updated_at"
    }
}

package struct PageBody<Item: Encodable & Sendable>: Encodable, Sendable {
    package let items: [Item]
    package let nextCursor: String?

    package init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    // Written out so that `next_cursor` is present as null on the last page, not left out.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }

    enum CodingKeys: String, CodingKey {
        case items, nextCursor = "next_cursor"
    }
}

extension PageBody: Decodable where Item: Decodable {}

package struct StatusBody: Codable, Sendable {
    package let status: String

    package init(status: String) { self.status = status }
}

/// A new account, as registration answers it.
package struct AccountBody: Codable, Sendable {
    package let id: String
    package let email: String
    package let role: String
    package let createdAt: String

    package init(_ account: Account) {
        id = account.id
        email = account.email
        role = account.role.rawValue
        createdAt = account.createdAt.rfc3339
    }

    enum CodingKeys: String, CodingKey {
        case id, email, role, createdAt = "created_at"
    }
}

/// A sign-in's or a refresh's answer, in OAuth 2.0's shape (RFC 6749 §5.1): a 15-minute bearer access
/// token and the refresh token that gets the next one.
package struct TokenPairBody: Codable, Sendable {
    package let accessToken: String
    package let tokenType: String
    package let expiresIn: Int
    package let refreshToken: String
    package let refreshExpiresIn: Int64

    package init(accessToken: String, expiresIn: Int, refreshToken: String, refreshExpiresIn: Int64) {
        self.accessToken = accessToken
        tokenType = "Bearer"
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
        self.refreshExpiresIn = refreshExpiresIn
    }

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in", refreshToken = "refresh_token"
        case refreshExpiresIn = "refresh_expires_in"
    }
}
