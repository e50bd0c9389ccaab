import ShopDomain
import Testing

@Suite("Fault switchboard: failures spread evenly")
struct FaultSpreadingTests {
    private func outcomes(_ switchboard: FaultSwitchboard, _ site: FaultSite, _ count: Int) -> [Bool] {
        (0..<count).map { _ in switchboard.strikes(at: site) }
    }

    @Test(arguments: [0.02, 0.1, 0.0025, 0.37])
    func everyRunOfEventsHoldsTheRatioGiveOrTakeOne(ratio: Double) {
        let switchboard = FaultSwitchboard()
        switchboard.faults = Faults(gatewayFailureRatio: ratio)
        let events = outcomes(switchboard, .gateway, 4_000)
        let total = events.filter { $0 }.count
        #expect(total == Int((ratio * 4_000).rounded()))
        for length in [10, 50, 137, 400] {
            for start in stride(from: 0, to: events.count - length, by: 17) {
                let failures = events[start..<(start + length)].filter { $0 }.count
                #expect(abs(Double(failures) - ratio * Double(length)) < 1 + 1e-9, "\(failures) of \(length) from \(start)")
            }
        }
    }

    @Test func noneAllAndSitesKeptApart() {
        let switchboard = FaultSwitchboard()
        #expect(!outcomes(switchboard, .gateway, 100).contains(true))
        switchboard.faults = Faults(gatewayFailureRatio: 1, routes: ["/v1/orders": .init(errorRatio: 0.5)])
        #expect(!outcomes(switchboard, .gateway, 100).contains(false))
        #expect(outcomes(switchboard, .route("/v1/orders"), 6) == [false, true, false, true, false, true])
        #expect(!outcomes(switchboard, .route("/v1/products/{sku}"), 100).contains(true))
    }

    @Test func newFaultsStartTheSpreadingAfresh() {
        let switchboard = FaultSwitchboard()
        switchboard.faults = Faults(gatewayFailureRatio: 0.25)
        #expect(outcomes(switchboard, .gateway, 3) == [false, false, false])
        switchboard.faults = Faults(gatewayFailureRatio: 0.25)
        #expect(outcomes(switchboard, .gateway, 4) == [false, false, false, true])
    }
}
