import LoadReport
import SLOMath
import SLOSpec
import ShopSupport

/// `--slo DIR --abort-on page|ticket`: the run's own counts, on the profile's clock, against the burn-rate
/// conditions of the SLOs' generated alerts (SLOMath's, the rules' maths): reached once a condition of the
/// chosen severity holds at the latest complete window (`ticket` stops on a page too). Counted as
/// `shop-slo eval --load` counts a result (`LoadResultSource`).
package struct BurnRateCheck: LiveCheck {
    package let reason = "slo"
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

    package func reached(in partial: LoadResult, at profileSeconds: Double) -> String? {
        for slo in slos {
            guard let timeline = LoadResultSource.timeline(slo, partial), timeline.count > 0 else { continue }
            let last = timeline.count - 1, budget = slo.errorBudget.budget
            let conditions = slo.alertConditions.filter { severities.contains($0.severity) && $0.canFire(budget: budget) }
            for alert in conditions where timeline.holds(alert, budget: budget, minimumRequests: slo.minimumRequests, at: last) {
                let long = timeline.sums(window: alert.longWindow, endingAt: last)
                let short = timeline.errorRatio(window: alert.shortWindow, endingAt: last) ?? 0
                // A run shorter than a window fills only part of it: say what the burn was measured over.
                let over = { (window: Double) in
                    profileSeconds < window
                        ? "the \(DurationText.text(profileSeconds)) so far (window \(DurationText.text(window)))" : DurationText.text(window)
                }
                return "\(slo.name): its \(alert.severity.rawValue) condition holds, burn \(Self.rate(long.bad / long.total / budget)) over "
                    + "\(over(alert.longWindow)) and \(Self.rate(short / budget)) over \(over(alert.shortWindow)), at least \(Self.rate(alert.factor)) on both"
            }
        }
        return nil
    }

    static func rate(_ value: Double) -> String { PrometheusRules.number((value * 100).rounded() / 100) + "×" }
}
