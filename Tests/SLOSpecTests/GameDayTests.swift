import SLOMath
import SLOSpec
import Testing

/// The game day's verdict on counts given step by step (five-minute steps over four days, 1,000 orders a
/// step): what caught each incident, when, and what counts as a false page.
@Suite struct GameDayTests {
    static let slo = try! SLOSpecs.parse(files: [
        (
            "spec.yaml",
            """
            service: shop-api
            slos:
              - name: orders
                objective: 99.9%
                indicator: {availability: {method: POST, routes: [/v1/orders]}}
            """
        )
    ])[0]
    static let step = 300.0

    /// 1,000 requests a step; `bad(step)` of them bad.
    static func timeline(_ bad: (Int) -> Double) -> SLITimeline {
        var line = SLITimeline(step: step)
        for index in 0..<(4 * 288) { line.append(bad: bad(index), total: 1_000) }
        return line
    }

    /// 10% errors for an hour from day 2 10:00: BRIEF §3 says a page after 0.1% ÷ 10% × 60 min × 14.4 = 8.64 min.
    static let incident = GameDay.ScheduledIncident(
        name: "10% of orders fail", slo: "orders", expect: "page", start: (288 + 120) * step, end: (288 + 132) * step)

    @Test func aPageThatFiresOnTimeCatchesTheIncident() throws {
        let line = Self.timeline { (288 + 120)..<(288 + 132) ~= $0 ? 100 : 0 }
        let verdict = GameDay.verdict(slos: [Self.slo], incidents: [Self.incident], service: ["orders": line], load: ["orders": line])
        let row = try #require(verdict.incidents.first)
        #expect(abs(row.errorRatio - 0.1) < 1e-12)
        #expect(abs(row.formulaDetectionSeconds! - 8.64 * 60) < 1e-6)
        #expect(abs(row.expectedDetectionSeconds! - 8.64 * 60) < 1e-3, "constant traffic by default: the formula's time")
        // Seen at the end of the step in which the long window crosses 1.44%: the second step, 10 minutes in.
        #expect(row.observedDetectionSeconds == 600)
        #expect(row.outcome == "caught" && row.passed)
        #expect(abs(row.budgetSpent - 1_200 / (0.001 * 4 * 288_000)) < 1e-9)
        #expect(verdict.falsePages == 0 && verdict.recall == 1 && verdict.precision == 1)
        #expect(verdict.budgets.first?.agrees == true)
        #expect(verdict.passed)
    }

    @Test func errorsOutsideEveryIncidentAreAFalsePage() {
        let line = Self.timeline { (100..<112) ~= $0 || (288 + 120)..<(288 + 132) ~= $0 ? 100 : 0 }
        let verdict = GameDay.verdict(slos: [Self.slo], incidents: [Self.incident], service: ["orders": line], load: ["orders": line])
        #expect(verdict.falsePages == 1)
        #expect(verdict.alerts.contains { $0.severity == "page" && $0.incident == nil && $0.startSeconds == 102 * Self.step })
        #expect(verdict.precision < 1)
        #expect(!verdict.passed)
    }

    @Test func anIncidentNothingCatchesIsMissed() {
        let quiet = Self.timeline { _ in 0 }
        let verdict = GameDay.verdict(slos: [Self.slo], incidents: [Self.incident], service: ["orders": quiet], load: [:])
        #expect(verdict.incidents.first?.outcome == "missed")
        #expect(verdict.recall == 0 && !verdict.passed)
    }

    /// Half the budget's burn for three days (0.05% errors): nothing may fire.
    @Test func aSlowBurnRaisesNothing() {
        let slow = GameDay.ScheduledIncident(name: "slow burn", slo: "orders", expect: "none", start: 288 * Self.step, end: 4 * 288 * Self.step)
        let line = Self.timeline { $0 >= 288 ? 0.5 : 0 }
        let verdict = GameDay.verdict(slos: [Self.slo], incidents: [slow], service: ["orders": line], load: [:])
        #expect(verdict.incidents.first?.outcome == "quiet")
        #expect(verdict.alerts.isEmpty && verdict.passed)
        let twice = GameDay.verdict(slos: [Self.slo], incidents: [slow], service: ["orders": Self.timeline { $0 >= 288 ? 3 : 0 }], load: [:])
        #expect(twice.incidents.first?.outcome == "alerted" && !twice.passed)
    }

    @Test func budgetsThatDisagreeFail() {
        let line = Self.timeline { (288 + 120)..<(288 + 132) ~= $0 ? 100 : 0 }
        let fewer = Self.timeline { (288 + 120)..<(288 + 132) ~= $0 ? 98 : 0 }
        let verdict = GameDay.verdict(slos: [Self.slo], incidents: [Self.incident], service: ["orders": line], load: ["orders": fewer])
        #expect(verdict.budgets.first?.agrees == false)
        #expect(!verdict.passed)
    }
}
