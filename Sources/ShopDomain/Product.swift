import ShopSupport

package struct Product: Sendable, Equatable, Codable {
    package let sku: SKU
    package let name: String
    package let price: Money

    package init(sku: SKU, name: String, price: Money) {
        self.sku = sku
        self.name = name
        self.price = price
    }
}

/// Units on hand for one SKU.
package struct StockLevel: Sendable, Equatable, Codable {
    package let sku: SKU
    package let quantity: Int64
    package let updatedAt: Timestamp

    package init(sku: SKU, quantity: Int64, updatedAt: Timestamp) {
        self.sku = sku
        self.quantity = quantity
        self.updatedAt = updatedAt
    }
}

/// A warehouse change to stock: set it (restock/count), move it by a signed delta, or pick units out.
package enum StockChange: Sendable, Equatable {
    case set(quantity: Int64, reason: String)
    case adjust(delta: Int64, reason: String)
    case pick(quantity: Int64, reference: String?)

    /// Checks bounds; the store checks the result never goes negative.
    package func validated() throws(ShopError) -> StockChange {
        var issues: [FieldIssue] = []
        func checkReason(_ reason: String) {
            if reason.isEmpty || reason.count > Limits.maxReasonLength {
                issues.append(FieldIssue(field: "reason", message: "must be 1-\(Limits.maxReasonLength) characters"))
            }
        }
        switch self {
        case .set(let quantity, let reason):
            if !(0...Limits.maxStock).contains(quantity) {
                issues.append(FieldIssue(field: "quantity", message: "must be between 0 and \(Limits.maxStock)"))
            }
            checkReason(reason)
        case .adjust(let delta, let reason):
            if delta == 0 || !(-Limits.maxStock...Limits.maxStock).contains(delta) {
                issues.append(FieldIssue(field: "delta", message: "must be non-zero and between -\(Limits.maxStock) and \(Limits.maxStock)"))
            }
            checkReason(reason)
        case .pick(let quantity, let reference):
            if !(1...Limits.maxQuantity).contains(quantity) {
                issues.append(FieldIssue(field: "quantity", message: "must be between 1 and \(Limits.maxQuantity)"))
            }
            if let reference, reference.isEmpty || reference.count > Limits.maxReasonLength {
                issues.append(FieldIssue(field: "reference", message: "must be 1-\(Limits.maxReasonLength) characters"))
            }
        }
        guard issues.isEmpty else { throw .validation(issues) }
        return self
    }

    package var auditAction: String {
        switch self {
        case .set: "stock.set"
        case .adjust: "stock.adjust"
        case .pick: "stock.pick"
        }
    }
}
