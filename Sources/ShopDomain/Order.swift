import ShopSupport

/// One line of a placed order, with the unit price as it was when the order was placed.
package struct OrderLine: Sendable, Equatable, Codable {
    package let sku: SKU
    package let quantity: Int64
    package let unitPrice: Money

    package init(sku: SKU, quantity: Int64, unitPrice: Money) {
        self.sku = sku
        self.quantity = quantity
        self.unitPrice = unitPrice
    }
}

package struct Order: Sendable, Equatable, Codable {
    package let id: String
    package let customerID: String
    package var status: OrderStatus
    package let total: Money
    package let lines: [OrderLine]
    package let createdAt: Timestamp
    package var updatedAt: Timestamp

    package init(
        id: String, customerID: String, status: OrderStatus, total: Money, lines: [OrderLine],
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.customerID = customerID
        self.status = status
        self.total = total
        self.lines = lines
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What a client asks for: a SKU and a number of units, not yet checked against the catalog.
package struct RequestedItem: Sendable, Equatable {
    package let sku: String
    package let quantity: Int64

    package init(sku: String, quantity: Int64) {
        self.sku = sku
        self.quantity = quantity
    }
}

/// A validated order request: 1…`Limits.maxOrderLines` lines, each SKU once, quantities in
/// 1…`Limits.maxQuantity`. Duplicate SKUs are rejected rather than merged, so a client never gets
/// a quantity it did not write.
package struct OrderRequest: Sendable, Equatable {
    package let items: [(sku: SKU, quantity: Int64)]

    package static func == (lhs: OrderRequest, rhs: OrderRequest) -> Bool {
        lhs.items.elementsEqual(rhs.items) { $0.sku == $1.sku && $0.quantity == $1.quantity }
    }

    package init(validating requested: [RequestedItem]) throws(ShopError) {
        var issues: [FieldIssue] = []
        if requested.isEmpty {
            issues.append(FieldIssue(field: "items", message: "must contain at least one item"))
        }
        if requested.count > Limits.maxOrderLines {
            issues.append(FieldIssue(field: "items", message: "must contain at most \(Limits.maxOrderLines) items"))
        }
        var seen: [SKU: Int] = [:]
        var items: [(sku: SKU, quantity: Int64)] = []
        for (index, item) in requested.prefix(Limits.maxOrderLines).enumerated() {
            guard let sku = SKU(item.sku) else {
                issues.append(FieldIssue(field: "items[\(index)].sku", message: "must be 1-32 characters of A-Z, 0-9 and -"))
                continue
            }
            if let first = seen[sku] {
                issues.append(FieldIssue(field: "items[\(index)].sku", message: "repeats items[\(first)].sku; put the total quantity on one line"))
            }
            seen[sku] = seen[sku] ?? index
            if !(1...Limits.maxQuantity).contains(item.quantity) {
                issues.append(FieldIssue(field: "items[\(index)].quantity", message: "must be between 1 and \(Limits.maxQuantity)"))
            }
            items.append((sku, item.quantity))
        }
        guard issues.isEmpty else { throw .validation(issues) }
        self.items = items
    }

    /// A stable digest of the request, for Idempotency-Key matching: same items in the same order.
    package var fingerprint: String {
        items.map { "\($0.sku.code)x\($0.quantity)" }.joined(separator: ",")
    }
}

/// Prices the lines of an order from the catalog's current prices.
package enum OrderPricing {
    /// The total of `lines`; one currency per order and no overflow, or a validation error.
    package static func total(of lines: [OrderLine]) throws(ShopError) -> Money {
        guard let first = lines.first else { throw .validation([FieldIssue(field: "items", message: "must contain at least one item")]) }
        var total = Money(minorUnits: 0, currency: first.unitPrice.currency)
        for (index, line) in lines.enumerated() {
            guard line.unitPrice.currency == total.currency else {
                throw .validation([
                    FieldIssue(field: "items[\(index)].sku", message: "is priced in \(line.unitPrice.currency), the order in \(total.currency)")
                ])
            }
            guard let lineTotal = line.unitPrice.times(line.quantity), let sum = total.plus(lineTotal) else {
                throw .validation([FieldIssue(field: "items[\(index)].quantity", message: "makes the order total overflow")])
            }
            total = sum
        }
        return total
    }
}
