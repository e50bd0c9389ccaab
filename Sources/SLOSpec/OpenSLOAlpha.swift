import ShopSupport

/// OpenSLO v1alpha (`apiVersion: openslo/v1alpha`), what Sloth reads and writes: `kind: SLO` whose one
/// objective holds `ratioMetrics` (good or bad, and total, each a Prometheus query), and `timeWindows`
/// as a count and a unit.
enum OpenSLOAlpha {
    struct Document: Decodable {
        var metadata: OpenSLO.Metadata?
        var spec: Spec?
    }

    struct Spec: Decodable {
        var description: String?
        var service: String?
        var indicator: Indicator?
        var timeWindows: [TimeWindow]?
        var budgetingMethod: String?
        var objectives: [Objective]?
    }

    struct Indicator: Decodable {
        var thresholdMetric: Query?
    }

    struct TimeWindow: Decodable {
        var count: Double?
        var unit: String?
        var isRolling: Bool?
        var calendar: OpenSLO.Calendar?
    }

    struct Objective: Decodable {
        var displayName: String?
        var target: Double?
        var ratioMetrics: RatioMetrics?
    }

    struct RatioMetrics: Decodable {
        var good: Query?
        var bad: Query?
        var total: Query?
        var incremental: Bool?
    }

    struct Query: Decodable {
        var source: String?
        var queryType: String?
        var query: String?
    }

    static let units: [String: Double] = [
        "Second": 1, "Minute": 60, "Hour": 3_600, "Day": 86_400, "Week": 604_800, "Month": 30 * 86_400, "Quarter": 90 * 86_400, "Year": 365 * 86_400,
    ]

    static func objective(_ document: Document, file: String, field: String) throws(SpecError) -> ServiceLevelObjective {
        func fail(_ sub: String, _ reason: String) -> SpecError { SpecError(file: file, field: field + sub, reason: reason) }
        let name = try SLOSpecs.checkName(document.metadata?.name, file: file, field: field + ".metadata.name")
        guard let spec = document.spec else { throw fail(".spec", "is required") }
        guard let service = spec.service, !service.isEmpty else { throw fail(".spec.service", "is required") }
        try OpenSLO.budgeting(spec.budgetingMethod, file: file, field: field + ".spec.budgetingMethod")
        if spec.indicator?.thresholdMetric != nil { throw fail(".spec.indicator.thresholdMetric", "is not supported: shop-slo reads ratioMetrics") }
        guard let windows = spec.timeWindows, windows.count == 1, let window = windows.first else {
            throw fail(".spec.timeWindows", "must hold exactly one window")
        }
        guard let unit = window.unit, let scale = units[unit] else {
            throw fail(".spec.timeWindows[0].unit", "\"\(window.unit ?? "")\" is not a unit (Day, Week, Month)")
        }
        guard let count = window.count, count.isFinite, count > 0 else { throw fail(".spec.timeWindows[0].count", "must be a positive number") }
        let written =
            PrometheusRules.number(count) + (unit == "Month" ? "M" : unit == "Quarter" ? "Q" : unit == "Year" ? "Y" : " " + unit.lowercased())
        let period = try OpenSLO.period(
            count * scale, text: written, rolling: window.isRolling ?? true, calendar: window.calendar, file: file,
            field: field + ".spec.timeWindows[0]")
        guard let objectives = spec.objectives, objectives.count == 1, let objective = objectives.first else {
            throw fail(".spec.objectives", "must hold exactly one objective")
        }
        guard let target = objective.target, target > 0, target < 1 else {
            throw fail(".spec.objectives[0].target", "must lie between 0 and 1 (0.995)")
        }
        guard let ratio = objective.ratioMetrics else { throw fail(".spec.objectives[0].ratioMetrics", "is required (shop-slo reads ratio metrics)") }
        if ratio.incremental == false { throw fail(".spec.objectives[0].ratioMetrics.incremental", "must be true: the queries are counters") }
        func query(_ side: Query?, _ name: String) throws(SpecError) -> PromSelector {
            let sub = ".spec.objectives[0].ratioMetrics.\(name)"
            guard let side else { throw fail(sub, "is required") }
            guard side.source?.lowercased() ?? "prometheus" == "prometheus" else { throw fail(sub + ".source", "must be prometheus") }
            return try SLOSpecs.counterQuery(side.query, file: file, field: field + sub + ".query")
        }
        let indicator = try SLOSpecs.ratio(
            good: ratio.good, bad: ratio.bad, total: ratio.total, file: file, field: field + ".spec.objectives[0].ratioMetrics", read: query)
        return try OpenSLO.made(
            name: name, metadata: document.metadata, description: spec.description, service: service, objective: target, period: period,
            indicator: indicator, file: file, field: field)
    }
}
