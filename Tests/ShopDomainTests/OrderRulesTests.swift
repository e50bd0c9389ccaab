import ShopDomain
import Testing

@Suite("Order rules")
struct OrderRulesTests {
    func issues(_ items: [RequestedItem]) -> [FieldIssue] {
        do {
            _ = try OrderRequest(validating: items)
            return []
        } catch {
            guard case .validation(let issues) = error else { return [FieldIssue(field: "?", message: "\(error)")] }
            return issues
        }
    }

    @Test func aValidRequestKeepsItsLinesInOrder() throws {
        let request = try OrderRequest(validating: [RequestedItem(sku: "B-1", quantity: 2), RequestedItem(sku: "A-1", quantity: 1)])
        #expect(request.items.map(\.sku.code) == ["B-1", "A-1"])
        #expect(request.fingerprint == "B-1x2,A-1x1")
    }

    @Test func everyBadLineIsNamed() {
        let found = issues([
            RequestedItem(sku: "ok-lower", quantity: 1),
            RequestedItem(sku: "SKU-1", quantity: 0),
            RequestedItem(sku: "SKU-2", quantity: Limits.maxQuantity + 1),
            RequestedItem(sku: "SKU-1", quantity: 1),
        ])
        #expect(found.map(\.field) == ["items[0].sku", "items[1].quantity", "items[2].quantity", "items[3].sku"])
        #expect(found[3].message.contains("repeats items[1].sku"))
    }

    @Test func anOrderHasOneToFiftyLines() {
        #expect(issues([]).map(\.field) == ["items"])
        let tooMany = (0...Limits.maxOrderLines).map { RequestedItem(sku: "SKU-\($0)", quantity: 1) }
        #expect(issues(tooMany) == [FieldIssue(field: "items", message: "must contain at most 50 items")])
        #expect(issues(Array(tooMany.prefix(Limits.maxOrderLines))).isEmpty)
    }

    @Test func theTotalAddsLinesInMinorUnits() throws {
        let eur = Currency.eur
        let lines = [
            OrderLine(sku: SKU("A")!, quantity: 3, unitPrice: Money(minorUnits: 199, currency: eur)),
            OrderLine(sku: SKU("B")!, quantity: 1, unitPrice: Money(minorUnits: 1, currency: eur)),
        ]
        #expect(try OrderPricing.total(of: lines) == Money(minorUnits: 598, currency: eur))
    }

    @Test func aTotalThatWouldOverflowOrMixCurrenciesIsRefused() {
        let huge = OrderLine(sku: SKU("A")!, quantity: 10_000, unitPrice: Money(minorUnits: Int64.max / 1000, currency: .eur))
        #expect(throws: ShopError.validation([FieldIssue(field: "items[0].quantity", message: "makes the order total overflow")])) {
            try OrderPricing.total(of: [huge])
        }
        let usd = OrderLine(sku: SKU("B")!, quantity: 1, unitPrice: Money(minorUnits: 5, currency: Currency("USD")!))
        let eur = OrderLine(sku: SKU("A")!, quantity: 1, unitPrice: Money(minorUnits: 5, currency: .eur))
        #expect(throws: ShopError.validation([FieldIssue(field: "items[1].sku", message: "is priced in USD, the order in EUR")])) {
            try OrderPricing.total(of: [eur, usd])
        }
    }

    @Test func moneyArithmeticReportsOverflowAndCurrencyMismatch() {
        let max = Money(minorUnits: .max, currency: .eur)
        #expect(max.times(2) == nil)
        #expect(max.plus(Money(minorUnits: 1, currency: .eur)) == nil)
        #expect(Money(minorUnits: 1, currency: .eur).plus(Money(minorUnits: 1, currency: Currency("USD")!)) == nil)
        #expect(Money(minorUnits: 250, currency: .eur).times(4) == Money(minorUnits: 1000, currency: .eur))
    }

    @Test func skusAndCurrenciesAreStrict() {
        #expect(SKU("SKU-00001") != nil)
        for bad in ["", "sku-1", "SKU 1", "SKU_1", String(repeating: "A", count: 33), "SKÜ"] { #expect(SKU(bad) == nil) }
        #expect(Currency("EUR") != nil)
        for bad in ["eur", "EURO", "E1R", ""] { #expect(Currency(bad) == nil) }
    }

    @Test(arguments: OrderStatus.allCases)
    func whatEachOrderStateAllows(_ status: OrderStatus) {
        #expect(status.isCancellable == [.pending, .confirmed].contains(status))
        #expect(status.isRefundable == (status == .confirmed))
        #expect(status.releasesStock == [.cancelled, .paymentFailed, .refunded].contains(status))
    }

    @Test func stockChangesAreBounded() {
        #expect(throws: ShopError.self) { try StockChange.set(quantity: -1, reason: "x").validated() }
        #expect(throws: ShopError.self) { try StockChange.set(quantity: 1, reason: "").validated() }
        #expect(throws: ShopError.self) { try StockChange.adjust(delta: 0, reason: "x").validated() }
        #expect(throws: ShopError.self) { try StockChange.pick(quantity: 0, reference: nil).validated() }
        #expect(throws: ShopError.self) { try StockChange.set(quantity: 1, reason: String(repeating: "r", count: 201)).validated() }
        #expect(throws: Never.self) { try StockChange.adjust(delta: -5, reason: "damaged").validated() }
    }

    @Test func aCustomerReadsOnlyTheirOwnOrdersAndAnAdminReadsAny() {
        let customer = Principal(subject: "c1", role: .customer)
        let admin = Principal(subject: "a1", role: .admin)
        let warehouse = Principal(subject: "w1", role: .warehouse)
        #expect(customer.mayRead(orderOwnedBy: "c1") && !customer.mayRead(orderOwnedBy: "c2"))
        #expect(admin.mayRead(orderOwnedBy: "c2"))
        #expect(!warehouse.mayRead(orderOwnedBy: "w1"))
    }
}
