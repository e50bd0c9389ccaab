import LoadReport
import SLOMath
import SLOSpec
import ShopSupport

/// `--slo DIR --abort-on page|ticket`: the run's own counts, on the profile's clock, against the burn-rate
/// conditions of the SLOs' generated alerts (SLOMath's, the rules' maths): reached once a condition of the
/// chosen severity holds at the latest complete window (`ticket` stops on a page too). Counted as
/// `shop-slo eval --load` counts a result (`LoadResultSource`).
package struct BurnRateCheck: LiveCheck {
    /// `stop.reason` of a run it stopped.
    package static let reason = "slo"
    package var reason: String { Self.reason }
    let slos: [ServiceLevelObjective]
    let severities: Set<BurnRateAlert.Severity>

    /// The SLOs a load result measures; the others (PromQL ratios) are in `unmeasured`.
    package init(slos: [ServiceLevelObjective], abortOn severity: BurnRateAlert.Severity) {
        self.slos = slos.filter { !Self.isRatio($0) }
        severities = severity == .page ? [.page] : [.page, .ticket]
    }

    /// SLOs whose SLI is a PromQL ratio: a run's own counts cannot tell their good from bad.
    package static func unmeasured(_ slos: [ServiceLevelObjective]) -> [String] { slos.filter(isRatio).map(\.name) }

    private static func isRatio(_ slo: ServiceLevelObjective) -> Bool {
        if case .ratio = slo.indicator { return true }
        return false
    }

    /// The first window at whose end a condition held, anywhere in `partial`: a live check that looks less often
    /// than windows close still stops on one that held in between, and a finished run is judged whole.
    package func reached(in partial: LoadResult, at profileSeconds: Double) -> String? {
        let windows = partial.windows.sorted { $0.index < $1.index }
        var first: (end: Double, text: String)?
        for slo in slos {
            guard let timeline = LoadResultSource.timeline(slo, partial), timeline.count > 0 else { continue }
            let budget = slo.errorBudget.budget
            let conditions = slo.alertConditions.filter { severities.contains($0.severity) && $0.canFire(budget: budget) }
            search: for index in 0..<timeline.count {
                let end = windows[index].profileStartSeconds + partial.clocks.windowSeconds
                if let first, first.end <= end { break }
                for alert in conditions where timeline.holds(alert, budget: budget, minimumRequests: slo.minimumRequests, at: index) {
                    first = (end, Self.describe(slo.name, alert, timeline, index: index, end: end, budget: budget))
                    break search
                }
            }
        }
        return first?.text
    }

    /// `orders: its page condition held at 31m, burn 32.26× over the 31m so far (window 1h) and 200× over 5m, at least 14.4× on both`.
    static func describe(_ name: String, _ alert: BurnRateAlert, _ timeline: SLITimeline, index: Int, end: Double, budget: Double) -> String {
        let long = timeline.sums(window: alert.longWindow, endingAt: index)
        let short = timeline.errorRatio(window: alert.shortWindow, endingAt: index) ?? 0
        // A run shorter than a window fills only part of it: say what the burn was measured over.
        let over = { (window: Double) in
            end < window ? "the \(DurationText.text(end)) so far (window \(DurationText.text(window)))" : DurationText.text(window)
        }
        return
            "\(name): its \(alert.severity.rawValue) condition held at \(DurationText.text(end)), burn \(rate(long.bad / long.total / budget)) over "
            + "\(over(alert.longWindow)) and \(rate(short / budget)) over \(over(alert.shortWindow)), at least \(rate(alert.factor)) on both"
    }

    static func rate(_ value: Double) -> String { PrometheusRules.number((value * 100).rounded() / 100) + "×" }
}
