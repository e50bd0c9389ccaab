import Foundation
import ShopSupport

/// OpenSLO v1 (`apiVersion: openslo/v1`): `kind: SLO` with a `ratioMetric` indicator (good or bad, and
/// total, each a Prometheus counter selector, its metric source inline or a `DataSource` by name),
/// `timeWindow` rolling or a calendar month, and `budgetingMethod: Occurrences`.
enum OpenSLO {
    /// Kinds that hold no SLO, skipped with a note saying why.
    static let skippedKinds: [String: String] = [
        "Service": "a service is named by each SLO's spec.service",
        "DataSource": "shop-slo reads Prometheus data sources, where a metric source names one (metricSourceRef)",
        "AlertPolicy": "shop-slo alerts on the multi-window burn rates of its rules, not on alert policies",
        "AlertCondition": "shop-slo alerts on the multi-window burn rates of its rules, not on alert conditions",
        "AlertNotificationTarget": "Alertmanager routes the alerts (shop-slo alert --alertmanager)",
    ]

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
        var labels: [String: LabelValue]?

        var labelTexts: [String: String]? { labels?.mapValues(\.text) }
    }

    /// OpenSLO allows a label's value as text or a list of texts; a list is joined with commas.
    struct LabelValue: Decodable {
        var text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let list = try? container.decode([String].self) {
                text = list.joined(separator: ",")
            } else {
                text = try container.decode(String.self)
            }
        }
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
        var metricSourceRef: String?
        var spec: [String: String]?
    }

    struct TimeWindow: Decodable {
        var duration: String?
        var isRolling: Bool?
        var calendar: Calendar?
    }

    struct Calendar: Decodable {
        var startTime: String?
        var timeZone: String?
    }

    struct Objective: Decodable {
        var displayName: String?
        var target: Double?
        var targetPercent: Double?
    }

    static func objective(
        _ document: Document, file: String, field: String, indicators: [String: Indicator], sources: [String: String]
    ) throws(SpecError) -> ServiceLevelObjective {
        func fail(_ sub: String, _ reason: String) -> SpecError { SpecError(file: file, field: field + sub, reason: reason) }
        let name = try SLOSpecs.checkName(document.metadata?.name, file: file, field: field + ".metadata.name")
        guard let spec = document.spec else { throw fail(".spec", "is required") }
        guard let service = spec.service, !service.isEmpty else { throw fail(".spec.service", "is required") }
        try budgeting(spec.budgetingMethod, file: file, field: field + ".spec.budgetingMethod")
        guard let windows = spec.timeWindow, windows.count == 1, let window = windows.first else {
            throw fail(".spec.timeWindow", "must hold exactly one window")
        }
        let period = try self.period(
            window.duration.flatMap(Self.duration), text: window.duration, rolling: window.isRolling ?? true, calendar: window.calendar,
            file: file, field: field + ".spec.timeWindow[0]")
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
            if inline.spec?.thresholdMetric != nil, inline.spec?.ratioMetric == nil {
                throw fail(".spec.indicator.spec.thresholdMetric", "is not supported: shop-slo reads ratioMetric (good or bad, and total counters)")
            }
            indicator = try self.indicator(inline.spec?.ratioMetric, file: file, field: field + ".spec.indicator.spec", sources: sources)
        } else if let reference = spec.indicatorRef {
            guard let found = indicators[reference] else { throw fail(".spec.indicatorRef", "no kind: SLI document is named \"\(reference)\"") }
            indicator = found
        } else {
            throw fail(".spec", "needs indicator or indicatorRef")
        }
        return try made(
            name: name, metadata: document.metadata, description: spec.description, service: service, objective: share, period: period,
            indicator: indicator, file: file, field: field)
    }

    /// The SLO from what both OpenSLO versions read, with what their metadata adds: display name, routing
    /// labels, and shop-slo's annotations (runbooks, the low-traffic guard).
    static func made(
        name: String, metadata: Metadata?, description: String?, service: String, objective: Double, period: SLOPeriod, indicator: Indicator,
        file: String, field: String
    ) throws(SpecError) -> ServiceLevelObjective {
        let annotations = metadata?.annotations ?? [:]
        var made = ServiceLevelObjective(
            name: name, displayName: metadata?.displayName ?? name, description: description ?? "", service: service, objective: objective,
            period: period, indicator: indicator, minimumRequests: try minimumRequests(annotations, file: file, field: field), runbookURL: "",
            file: file)
        made.runbookURL = (annotations["shop-slo/runbooks"] ?? "runbooks") + "/" + made.alertName + ".md"
        made.labels = try SLOSpecs.labels(metadata?.labelTexts, file: file, field: field + ".metadata.labels")
        return made
    }

    /// A `ratioMetric` as counters: the query of each side's Prometheus metric source.
    static func indicator(_ ratio: RatioMetric?, file: String, field: String, sources: [String: String]) throws(SpecError) -> Indicator {
        func fail(_ sub: String, _ reason: String) -> SpecError { SpecError(file: file, field: field + sub, reason: reason) }
        guard let ratio else { throw fail(".ratioMetric", "is required (shop-slo reads ratio metrics)") }
        if ratio.counter == false { throw fail(".ratioMetric.counter", "must be true: the queries are counters") }
        func query(_ ref: MetricRef?, _ side: String) throws(SpecError) -> PromSelector {
            let sub = ".ratioMetric.\(side).metricSource"
            guard let source = ref?.metricSource else { throw fail(sub, "is required") }
            if let name = source.metricSourceRef, source.type == nil, sources[name] == nil {
                throw fail(sub + ".metricSourceRef", "no kind: DataSource document is named \"\(name)\"")
            }
            guard (source.type ?? source.metricSourceRef.flatMap { sources[$0] })?.lowercased() == "prometheus" else {
                throw fail(sub + ".type", "must be Prometheus")
            }
            let key = source.spec?["query"] != nil || source.spec?["promql"] == nil ? "query" : "promql"
            return try SLOSpecs.counterQuery(source.spec?[key], file: file, field: field + sub + ".spec." + key)
        }
        return try SLOSpecs.ratio(good: ratio.good, bad: ratio.bad, total: ratio.total, file: file, field: field + ".ratioMetric", read: query)
    }

    /// The low-traffic guard from the `shop-slo/minimum-requests` annotation, or the native default.
    private static func minimumRequests(_ annotations: [String: String], file: String, field: String) throws(SpecError) -> Double {
        guard let text = annotations["shop-slo/minimum-requests"] else { return NativeSpec.defaultMinimumRequests }
        guard let value = Double(text), value.isFinite, value >= 0 else {
            throw SpecError(file: file, field: field + ".metadata.annotations.shop-slo/minimum-requests", reason: "must be a number of requests")
        }
        return value
    }

    /// `Occurrences`, or none (Sloth's OpenSLO files leave it out); time slices are refused.
    static func budgeting(_ method: String?, file: String, field: String) throws(SpecError) {
        switch method {
        case nil, "Occurrences": return
        case "Timeslices", "RatioTimeslices":
            throw SpecError(file: file, field: field, reason: "\(method!) is not supported: shop-slo counts Occurrences")
        default: throw SpecError(file: file, field: field, reason: "must be Occurrences")
        }
    }

    /// OpenSLO's duration shorthand: `28d`, `2w`, and the units of months, quarters and years, which a
    /// rolling window counts as 30, 90 and 365 days.
    static func duration(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let days: [Character: Double] = ["M": 30, "Q": 90, "Y": 365]
        if let unit = trimmed.last, let scale = days[unit], let count = Double(trimmed.dropLast()), count.isFinite, count > 0 {
            return count * scale * 86_400
        }
        return DurationText.seconds(trimmed)
    }

    /// A window as a period: rolling, any duration from 1d to 365d; calendar, a month in UTC from the
    /// first of the month (what `eval` counts from). Other calendars are refused by name.
    static func period(
        _ seconds: Double?, text: String?, rolling: Bool, calendar: Calendar?, file: String, field: String
    ) throws(SpecError) -> SLOPeriod {
        func fail(_ sub: String, _ reason: String) -> SpecError { SpecError(file: file, field: field + sub, reason: reason) }
        if rolling {
            guard let seconds else { throw fail(".duration", "\"\(text ?? "")\" is not a duration (28d, 2w, 1M)") }
            return .rolling(try SLOSpecs.period(seconds, written: text ?? "", file: file, field: field + ".duration"))
        }
        guard seconds == 30 * 86_400, text?.hasSuffix("M") == true else {
            throw fail(".duration", "a calendar window of \(text ?? "nothing") is not supported: shop-slo counts calendar budgets by the month (1M)")
        }
        if let zone = calendar?.timeZone, !["UTC", "Etc/UTC", "GMT", "Z", "Etc/GMT"].contains(zone) {
            throw fail(".calendar.timeZone", "\(zone) is not supported: shop-slo counts calendar months in UTC")
        }
        if let start = calendar?.startTime {
            let firstOfMonth = start.range(of: #"^\d{4}-\d{2}-01([ T]00:00(:00)?Z?)?$"#, options: .regularExpression) != nil
            guard firstOfMonth else { throw fail(".calendar.startTime", "\(start) is not supported: a calendar month starts on the first at 00:00") }
        }
        return .calendarMonth
    }
}
