import ShopSupport

/// A condition a run checks on its own counts while it goes on (`--abort-on-fail`, `--abort-on`): what was
/// reached, in a line, once it is, and the run stops there.
package protocol LiveCheck: Sendable {
    /// What the result's `stop.reason` says when this check stops a run.
    var reason: String { get }
    /// `partial` holds the windows every worker has closed, up to `profileSeconds` of the profile's clock, with
    /// their summary and thresholds' verdicts; nil while the condition is not reached.
    func reached(in partial: LoadResult, at profileSeconds: Double) -> String?
}

/// `--abort-on-fail`: the profile's thresholds on the counts so far, as k6's `abortOnFail`, from `delay` of
/// profile time on (`delayAbortEval`): the first windows' percentiles rest on a few requests.
package struct ThresholdCheck: LiveCheck {
    /// `stop.reason` of a run it stopped.
    package static let reason = "threshold"
    package var reason: String { Self.reason }
    let delay: Double

    package init(delay: Double) { self.delay = delay }

    package func reached(in partial: LoadResult, at profileSeconds: Double) -> String? {
        guard profileSeconds >= delay, let failed = partial.thresholds.first(where: { !$0.passed }) else { return nil }
        return "\(failed.expression) failed (observed \(SummaryTable.observed(failed)) over the first \(DurationText.text(profileSeconds)))"
    }
}
