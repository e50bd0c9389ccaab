import Foundation
import SLOMath
import ShopSupport
import Yams

/// The `promtool test rules` files for one SLO's rule file. Each test feeds counters that match the SLI's
/// selectors (sampled every minute for the page tests, every five for the ticket's days-long windows), and expects the alerts that the same conditions computed here, on
/// `SLITimeline`, say must be firing: Prometheus's rule engine and shop-slo's maths must agree. Before
/// writing, the generator checks its scenarios against BRIEF §3: the page fires at the minute the formula
/// gives, a burn of 1× does not page, and low traffic does not page.
package enum RuleTests {
    /// The page tests (one-minute samples) and the ticket test (five-minute samples, as its windows span
    /// days), by file name. Where no series matching the SLI's selectors can be made up (see `note`), both
    /// files say so and hold no test; the rule file is written all the same.
    /// `rulesBeside`: the rule file sits in the tests' own folder (as with PrometheusRule resources,
    /// which promtool cannot read), not the folder above. With the period's rates recorded from the
    /// step's, a third file holds them to the raw form (`periodFile`).
    package static func files(
        _ slo: ServiceLevelObjective, rulesBeside: Bool = false, periodWindow: PrometheusRules.PeriodWindow = .recorded
    ) throws -> [(name: String, text: String)] {
        let rules = (rulesBeside ? "" : "../") + PrometheusRules.fileName(slo)
        let period = periodWindow == .recorded
        let names = [slo.name + ".page.test.yaml", slo.name + ".ticket.test.yaml"] + (period ? [slo.name + ".period.test.yaml"] : [])
        let series: [(String, TestSeries.Role)]
        do {
            series = try TestSeries.make(for: slo.indicator)
        } catch {
            let text = document(slo, rules: rules, stepMinutes: 1, tests: [], comments: ["No test: \(error.description)."])
            return names.map { ($0, text) }
        }
        let files = [(names[0], try pageFile(slo, series, rules: rules)), (names[1], try ticketFile(slo, series, rules: rules))]
        return files + (period ? [(names[2], periodFile(slo, series, rules: rules))] : [])
    }

    /// Why the rule tests of `slo` exercise nothing, or nil when they do: for a note when the files are written.
    package static func note(_ slo: ServiceLevelObjective) -> String? {
        do {
            _ = try TestSeries.make(for: slo.indicator)
            return nil
        } catch {
            return "\(slo.name): its rule tests exercise nothing, \(error.description)"
        }
    }

    package struct GenerationError: Error, CustomStringConvertible {
        package var description: String
    }

    /// Counters per step: `perStep` requests with `badShare` of them bad, for `steps`. Counts are rounded to
    /// 64ths, so promtool's counters add up exactly: a value a rounding below the one before it would read
    /// as a counter reset.
    struct Segment {
        var steps: Int
        var total: Double
        var bad: Double

        init(minutes: Int, perMinute: Double, badShare: Double, stepMinutes: Int = 1) {
            steps = minutes / stepMinutes
            total = Self.sixtyFourths(perMinute * Double(stepMinutes))
            bad = min(Self.sixtyFourths(total * badShare), total)
        }

        static func sixtyFourths(_ value: Double) -> Double { (value * 64).rounded() / 64 }
    }

    struct Scenario {
        var name: String
        var segments: [Segment]
        /// Minutes at which to compare, with why.
        var checks: [(minute: Int, note: String)]
        var mustNotPage = false
    }
}
