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

    @Test func onConstantTrafficTheTrafficAwareTimeIsTheBriefs() throws {
        for alert in BurnRateAlert.reference {
            let formula = try #require(alert.timeToFire(errorRatio: 0.2, budget: 0.001))
            let found = try #require(alert.timeToFire(errorRatio: 0.2, budget: 0.001, from: 86_400, to: 10 * 86_400) { $1 - $0 })
            #expect(abs(found - formula) < 1e-3, "\(alert.longWindow)")
        }
    }

    /// A day of 2% payment failures (4× a 99.5% budget) from midnight, on a day whose 8 night hours carry
    /// a tenth of the daytime rate: the one-day window needs 3 × 0.5% × 168 = 2.52 hour-units of errors,
    /// 126 of traffic since midnight, reached at 8 + 118 ÷ 10 = 19.8 h, not the formula's 18 h.
    @Test func anIncidentFromAQuietNightIsCaughtLaterThanTheFormulaSays() throws {
        let hour = 3_600.0
        func rate(_ time: Double) -> Double { time.truncatingRemainder(dividingBy: 24 * hour) < 8 * hour ? 1 : 10 }
        // The integral of that rate in hour-units, exact at whole hours and linear within them.
        func traffic(_ start: Double, _ end: Double) -> Double {
            func upTo(_ time: Double) -> Double {
                let days = (time / (24 * hour)).rounded(.down)
                let within = time - days * 24 * hour
                return days * 168 + min(within, 8 * hour) / hour + max(within - 8 * hour, 0) / hour * 10
            }
            return upTo(end) - upTo(start)
        }
        #expect(abs(traffic(0, 24 * hour) - 168) < 1e-9 && rate(9 * hour) == 10)
        let ticket = BurnRateAlert.reference[2]
        #expect(abs(try #require(ticket.timeToFire(errorRatio: 0.02, budget: 0.005)) - 18 * hour) < 1e-6)
        let found = try #require(ticket.timeToFire(errorRatio: 0.02, budget: 0.005, from: 2 * 24 * hour, to: 3 * 24 * hour, traffic: traffic))
        #expect(abs(found - 19.8 * hour) < 1)
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
    /// Whole counts land exactly on thresholds: 432 bad of 12,000 over an hour is 3.6%, 14.4× a 99.75%
    /// budget. Such a step is a tie; one bad request more or less is not.
    @Test func stepsExactlyOnAThresholdAreTies() {
        let page = BurnRateAlert.reference[0]
        /// An hour of 1,000 requests a step, `bad` of them in the last step.
        func hour(bad: Double) -> SLITimeline {
            var line = SLITimeline(step: 300)
            for index in 0..<12 { line.append(bad: index == 11 ? bad : 0, total: 1_000) }
            return line
        }
        #expect(hour(bad: 432).tiedSteps([page], budget: 0.0025) == [11])
        #expect(hour(bad: 432).holds(page, budget: 0.0025, at: 11) && !hour(bad: 432).holds(page, budget: 0.0025, at: 11, ties: false))
        #expect(hour(bad: 433).tiedSteps([page], budget: 0.0025).isEmpty && hour(bad: 433).holds(page, budget: 0.0025, at: 11, ties: false))
        #expect(hour(bad: 431).tiedSteps([page], budget: 0.0025).isEmpty && !hour(bad: 431).holds(page, budget: 0.0025, at: 11))
        #expect(hour(bad: 500).tiedSteps([page], budget: 0.0025, minimumRequests: 12_000) == [11])
    }

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
