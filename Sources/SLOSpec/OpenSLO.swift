import Foundation
import ShopDomain

/// OpenSLO v1 (`apiVersion: openslo/v1`): `kind: SLO` with a `ratioMetric` indicator (good or bad, and
/// total, each a Prometheus counter selector), `timeWindow` rolling or a calendar month, and
/// `budgetingMethod: Occurrences`.
enum OpenSLO {
    struct Document: Decodable {
        var apiVersion: String?
        var kind: String?
        var metadata: Metadata?
        var spec: Spec?
    }

    struct Metadata: Decodable {
        var name: String?
        var displayName: String?
        var annotations: [String: String]?
    }

    struct Spec: Decodable {
        var description: String?
        var service: String?
        var indicator: InlineIndicator?
        var indicatorRef: String?
        var timeWindow: [TimeWindow]?
        var budgetingMethod: String?
        var objectives: [Objective]?
        /// On a `kind: SLI` document.
        var ratioMetric: RatioMetric?
    }

    struct InlineIndicator: Decodable {
        var metadata: Metadata?
        var spec: IndicatorSpec?
    }

    struct IndicatorSpec: Decodable {
        var ratioMetric: RatioMetric?
        var thresholdMetric: MetricRef?
    }

    struct RatioMetric: Decodable {
        var counter: Bool?
        var good: MetricRef?
        var bad: MetricRef?
        var total: MetricRef?
    }

    struct MetricRef: Decodable {
        var metricSource: MetricSource?
    }

    struct MetricSource: Decodable {
        var type: String?
        var spec: [String: String]?
    }

    struct TimeWindow: Decodable {
        var duration: String?
        var isRolling: Bool?
        var calendar: [String: String]?
    }

    struct Objective: Decodable {
        var displayName: String?
        var target: Double?
        var targetPercent: Double?
    }

    static func objective(_ document: Document, file: String, index: Int, indicators: [String: Indicator]) throws(SpecError) -> ServiceLevelObjective {
        let field = "documents[\(index)]"
        func fail(_ sub: String, _ reason: String) -> SpecError { SpecError(file: file, field: field + sub, reason: reason) }
        let name = try SLOSpecs.checkName(document.metadata?.name, file: file, field: field + ".metadata.name")
        guard let spec = document.spec else { throw fail(".spec", "is required") }
        guard let service = spec.service, !service.isEmpty else { throw fail(".spec.service", "is required") }
        switch spec.budgetingMethod {
        case "Occurrences": break
        case "Timeslices", "RatioTimeslices": throw fail(".spec.budgetingMethod", "\(spec.budgetingMethod!) is not supported: shop-slo counts Occurrences")
        default: throw fail(".spec.budgetingMethod", "must be Occurrences")
        }
        guard let windows = spec.timeWindow, windows.count == 1, let window = windows.first else {
            throw fail(".spec.timeWindow", "must hold exactly one window")
        }
        let period: SLOPeriod
        if window.isRolling ?? true {
            period = .rolling(try SLOSpecs.duration(window.duration, file: file, field: field + ".spec.timeWindow[0].duration"))
        } else {
            guard window.duration == "1M" else { throw fail(".spec.timeWindow[0].duration", "a calendar window must be 1M (a calendar month)") }
            period = .calendarMonth
        }
        guard let objectives = spec.objectives, objectives.count == 1, let target = objectives.first else {
            throw fail(".spec.objectives", "must hold exactly one objective")
        }
        let share: Double
        switch (target.target, target.targetPercent) {
        case (let ratio?, nil): share = ratio
        case (nil, let percent?): share = percent / 100
        default: throw fail(".spec.objectives[0]", "needs target (0.995) or targetPercent (99.5)")
        }
        guard share > 0, share < 1 else { throw fail(".spec.objectives[0].target", "must lie between 0 and 1 (0.995)") }
        let indicator: Indicator
        if let inline = spec.indicator {
            indicator = try self.indicator(inline.spec?.ratioMetric, file: file, field: field + ".spec.indicator.spec")
        } else if let reference = spec.indicatorRef {
            guard let found = indicators[reference] else { throw fail(".spec.indicatorRef", "no kind: SLI document is named \"\(reference)\"") }
            indicator = found
        } else {
            throw fail(".spec", "needs indicator or indicatorRef")
        }
        let annotations = document.metadata?.annotations ?? [:]
        var minimum = NativeSpec.defaultMinimumRequests
        if let text = annotations["shop-slo/minimum-requests"] {
            guard let value = Double(text), value >= 0 else { throw fail(".metadata.annotations.shop-slo/minimum-requests", "must be a number of requests") }
            minimum = value
        }
        var made = ServiceLevelObjective(
            name: name, displayName: document.metadata?.displayName ?? name, description: spec.description ?? "", service: service,
            objective: share, period: period, indicator: indicator, minimumRequests: minimum, runbookURL: "", file: file)
        made.runbookURL = (annotations["shop-slo/runbooks"] ?? "runbooks") + "/" + made.alertName + ".md"
        return made
    }

    /// A `ratioMetric` as counters: the query of each side's Prometheus metric source.
    static func indicator(_ ratio: RatioMetric?, file: String, field: String) throws(SpecError) -> Indicator {
        func fail(_ sub: String, _ reason: String) -> SpecError { SpecError(file: file, field: field + sub, reason: reason) }
        guard let ratio else { throw fail(".ratioMetric", "is required (shop-slo reads ratio metrics)") }
        if ratio.counter == false { throw fail(".ratioMetric.counter", "must be true: the queries are counters") }
        func query(_ ref: MetricRef?, _ side: String) throws(SpecError) -> PromSelector {
            let sub = ".ratioMetric.\(side).metricSource"
            guard let source = ref?.metricSource else { throw fail(sub, "is required") }
            guard source.type?.lowercased() == "prometheus" else { throw fail(sub + ".type", "must be Prometheus") }
            return try SLOSpecs.selector(source.spec?["query"], file: file, field: field + sub + ".spec.query")
        }
        let total = try query(ratio.total, "total")
        switch (ratio.good, ratio.bad) {
        case (let good?, nil): return .ratio(RatioQuery(.good(try query(good, "good")), total: total))
        case (nil, let bad?): return .ratio(RatioQuery(.bad(try query(bad, "bad")), total: total))
        default: throw fail(".ratioMetric", "needs either good or bad, besides total")
        }
    }
}
