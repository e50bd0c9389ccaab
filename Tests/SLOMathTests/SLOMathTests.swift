import SLOMath
import Testing

@Suite("Burn-rate alerts")
struct BurnRateAlertTests {
    static let day = 86_400.0

    @Test func thirtyDaysIsTheWorkbooksTable() {
        let alerts = BurnRateAlert.conditions(forPeriod: 30 * Self.day)
        #expect(alerts == BurnRateAlert.reference)
        #expect(alerts.map(\.factor) == [14.4, 6, 3, 1])
        #expect(alerts.map { $0.longWindow / $0.shortWindow } == [12, 12, 12, 12])
    }

    @Test func twentyEightDaysScalesTheFactors() {
        let factors = BurnRateAlert.conditions(forPeriod: 28 * Self.day).map(\.factor)
        for (factor, expected) in zip(factors, [13.44, 5.6, 2.8, 0.9333]) { #expect(abs(factor - expected) < 1e-3, "\(factor)") }
    }

    @Test func aShortPeriodShrinksTheWindows() {
        let alerts = BurnRateAlert.conditions(forPeriod: 3_600)
        #expect(alerts.map(\.factor) == [14.4, 6, 3, 1])
        #expect(abs(alerts[0].longWindow - 5) < 1e-9 && abs(alerts[0].shortWindow - 5.0 / 12) < 1e-9, "1 h of 30 days is 5 s of an hour")
    }

    @Test func timeToFireFollowsTheBrief() throws {
        let page = BurnRateAlert.reference[0]
        // 99.9%: everything failing pages after 51.8 s; at exactly 14.4× after the whole hour; below, never.
        #expect(abs(try #require(page.timeToFire(errorRatio: 1, budget: 0.001)) - 51.84) < 1e-9)
        #expect(abs(try #require(page.timeToFire(errorRatio: 0.0144, budget: 0.001)) - 3_600) < 1e-6)
        #expect(page.timeToFire(errorRatio: 0.01, budget: 0.001) == nil)
    }
}

@Suite("Error budgets")
struct ErrorBudgetTests {
    @Test func aBudgetHalfSpent() throws {
        let budget = ErrorBudget(objective: 0.999, period: 30 * 86_400)
        let standing = budget.standing(bad: 500, total: 1_000_000)
        #expect(abs(standing.allowedRequests - 1_000) < 1e-6 && abs(standing.spent - 0.5) < 1e-9 && abs(standing.leftRequests - 500) < 1e-6)
        // Half of 0.1% of 30 days: 21.6 minutes of everything failing would spend the rest.
        #expect(abs(standing.leftOutageMinutes - 21.6) < 1e-6)
        #expect(abs(try #require(standing.timeToExhaustion(burnRate: 2)) - 7.5 * 86_400) < 1e-6)
        #expect(budget.burnRate(errorRatio: 0.0144) == 14.4 || abs(budget.burnRate(errorRatio: 0.0144) - 14.4) < 1e-9)
        #expect(budget.standing(bad: 2_000, total: 1_000_000).timeToExhaustion(burnRate: 1) == nil, "already spent")
    }
}

@Suite("SLI timelines")
struct SLITimelineTests {
    /// A month of minutes at 100 requests each; 10% errors from 10:00 for two hours.
    static func month(errorsFrom start: Int, to end: Int, ratio: Double) -> SLITimeline {
        var timeline = SLITimeline(step: 60)
        for minute in 0..<(30 * 1_440) {
            timeline.append(bad: (start..<end).contains(minute) ? 100 * ratio : 0, total: 100)
        }
        return timeline
    }

    @Test func thePageFiresWhenTheBriefSaysAndResetsWithinTheShortWindow() throws {
        let timeline = Self.month(errorsFrom: 600, to: 720, ratio: 0.1)
        let page = BurnRateAlert.reference[0]
        let firing = timeline.firing(page, budget: 0.001)
        #expect(firing.count == 1)
        let interval = try #require(firing.first)
        // 0.1% ÷ 10% × 60 min × 14.4 = 8.64 minutes: the ninth minute of errors.
        let detection = try #require(page.timeToFire(errorRatio: 0.1, budget: 0.001))
        #expect(interval.lowerBound == 600 + Int((detection / 60).rounded(.up)) - 1)
        // The 5-minute window empties of errors five minutes after they stop.
        #expect(interval.upperBound == 720 + 4)
    }

    @Test func aBurnOfOneNeverPages() {
        let timeline = Self.month(errorsFrom: 0, to: 30 * 1_440, ratio: 0.001)
        for alert in BurnRateAlert.reference where alert.severity == .page {
            #expect(timeline.firing(alert, budget: 0.001).isEmpty)
        }
    }

    @Test func tooLittleTrafficIsNotAnAlert() {
        var timeline = SLITimeline(step: 60)
        for minute in 0..<120 { timeline.append(bad: minute == 30 ? 1 : 0, total: minute % 10 == 0 ? 1 : 0) }
        let page = BurnRateAlert.reference[0]
        #expect(!timeline.firing(page, budget: 0.001).isEmpty, "one failure in a handful of requests is a huge burn")
        #expect(timeline.firing(page, budget: 0.001, minimumRequests: 100).isEmpty, "the guard keeps it quiet")
    }

    @Test func windowSumsAddNumeratorAndDenominatorSeparately() {
        var timeline = SLITimeline(step: 60)
        timeline.append(bad: 1, total: 1)
        timeline.append(bad: 0, total: 99)
        // Averaging the two ratios would say 50%; the window's ratio is 1 in 100.
        #expect(timeline.errorRatio(window: 120, endingAt: 1) == 0.01)
    }
}
