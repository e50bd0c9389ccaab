import SLOMath
import ShopContract

/// One service-level objective, from a native spec or an OpenSLO file: what is measured, the share that
/// must be good, over which period, and what its alerts are called and link to.
package struct ServiceLevelObjective: Sendable, Equatable {
    /// Lower-case words joined by hyphens (`order-placement-availability`): the `slo` label's value.
    package var name: String
    package var displayName: String
    package var description: String
    /// The `service` label's value.
    package var service: String
    /// The good share to reach: 0.999 for 99.9%.
    package var objective: Double
    package var period: SLOPeriod
    package var indicator: Indicator
    /// Requests the long window of an alert condition must hold before it may fire: at 10 requests an hour
    /// one failure is a 1000× burn (BRIEF §3).
    package var minimumRequests: Double
    /// Where the alert's `runbook_url` points.
    package var runbookURL: String
    /// The spec file it came from, for messages.
    package var file: String
    /// Labels the alerts carry for routing (`team: shop`), beside severity, slo and service: from the
    /// spec and `shop-slo rules --label`.
    package var labels: [String: String] = [:]

    package init(
        name: String, displayName: String, description: String, service: String, objective: Double, period: SLOPeriod,
        indicator: Indicator, minimumRequests: Double, runbookURL: String, file: String
    ) {
        self.name = name
        self.displayName = displayName
        self.description = description
        self.service = service
        self.objective = objective
        self.period = period
        self.indicator = indicator
        self.minimumRequests = minimumRequests
        self.runbookURL = runbookURL
        self.file = file
    }

    /// The alert's name: the SLO's words in upper camel case and `BudgetBurn`, one per SLO, with the
    /// severity (page or ticket) as a label.
    package var alertName: String { camelName + "BudgetBurn" }

    /// The alert that fires when the SLI's total series is absent: a lost scrape or a renamed metric would
    /// otherwise silence every burn alert of the SLO (Pyrra's `SLOMetricAbsent`).
    package var absentAlertName: String { camelName + "SLIAbsent" }

    /// The SLO's words in upper camel case, the stem of both alerts' names.
    private var camelName: String { name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined() }

    /// How long the total may be absent before that alert fires: as long as everything failing takes to
    /// page (the fastest condition that can fire at this objective; 52 s at 99.9% over 30 days), so a
    /// blind SLO pages no later than a full outage would, and at least two minutes, in whole minutes, so
    /// a restart's missed scrapes do not.
    package var absentFor: Double {
        let budget = errorBudget.budget
        let reachable = alertConditions.filter { $0.canFire(budget: budget) }
        let pages = reachable.filter { $0.severity == .page }
        let fastest =
            (pages.isEmpty ? reachable : pages).compactMap { $0.timeToFire(errorRatio: 1, budget: budget) }.min()
            ?? alertConditions.map(\.longWindow).max()!
        return max((fastest / 60).rounded(.up), 2) * 60
    }

    package var errorBudget: ErrorBudget { ErrorBudget(objective: objective, period: period.seconds) }

    /// The multi-window, multi-burn-rate conditions for this SLO's period (BRIEF §3), with windows in whole
    /// minutes: a period of a day would otherwise give a 10-second window, shorter than most scrape
    /// intervals, over which Prometheus has no rate.
    package var alertConditions: [BurnRateAlert] { BurnRateAlert.conditions(forPeriod: period.seconds, resolution: 60) }

    /// Every window the SLI is recorded over: the alert conditions' long and short windows, then the period.
    package var recordedWindows: [Double] {
        let windows = alertConditions.flatMap { [$0.shortWindow, $0.longWindow] } + [period.seconds]
        return Array(Set(windows)).sorted()
    }

    /// The recorded window the period's rates are made of (`PrometheusRules.PeriodWindow.recorded`): the
    /// shortest with at most 1,000 of it in the period, so the period's rule reads at most 1,000 samples
    /// per SLO and trails the raw form by less than one of it: an hour at 30 days (720), a day at a year
    /// (365), two minutes at a day (720).
    package var periodStep: Double {
        let windows = recordedWindows.filter { $0 < period.seconds }
        return windows.first { period.seconds / $0 <= 1_000 } ?? windows.last!
    }
}

/// The period an SLO's budget covers: rolling, or the calendar month (whose alerts use the 30-day
/// windows and factors, as the workbook does, and whose budget `eval` counts from the month's start).
package struct SLOPeriod: Sendable, Equatable {
    package var seconds: Double
    package var calendarMonth: Bool

    package static func rolling(_ seconds: Double) -> SLOPeriod { SLOPeriod(seconds: seconds, calendarMonth: false) }
    package static let calendarMonth = SLOPeriod(seconds: BurnRateAlert.referencePeriod, calendarMonth: true)
}

/// What an SLO counts, good or bad.
package enum Indicator: Sendable, Equatable {
    /// How it counts rehearsals' requests: a ratio leaves them out when one of its selectors does.
    package var synthetic: SyntheticFilter {
        switch self {
        case .availability(let routes), .latency(let routes, _): routes.synthetic
        case .ratio(let query):
            query.selectors.contains { $0.matchers.contains(SyntheticFilter.excluded.matcher!) } ? .excluded : .counted
        }
    }

    /// This indicator counting rehearsals' requests (`synthetic="true"`) as `filter` says: each selector of
    /// the request-duration histogram, the one series that carries the `synthetic` label, gets the matcher.
    /// Nil for a ratio that reads none of its series: it has no synthetic requests to tell apart.
    package func counting(_ filter: SyntheticFilter) -> Indicator? {
        switch self {
        case .availability(var routes):
            routes.synthetic = filter
            return .availability(routes)
        case .latency(var routes, let threshold):
            routes.synthetic = filter
            return .latency(routes, threshold: threshold)
        case .ratio(var query):
            let marked = { (selector: inout PromSelector) -> Bool in
                guard selector.metric.hasPrefix(MetricNames.requestDuration.name) else { return false }
                selector.matchers.removeAll { $0.label == SyntheticTraffic.label }
                if let matcher = filter.matcher { selector.matchers.append(matcher) }
                return true
            }
            var any = marked(&query.total)
            switch query.numerator {
            case .good(var selector):
                any = marked(&selector) || any
                query.numerator = .good(selector)
            case .bad(var selector):
                any = marked(&selector) || any
                query.numerator = .bad(selector)
            }
            return any ? .ratio(query) : nil
        }
    }

    /// Requests to these routes that got no server error (5xx).
    case availability(HTTPRoutes)
    /// Requests to these routes answered within `threshold` seconds (a bucket bound of the request
    /// duration histogram).
    case latency(HTTPRoutes, threshold: Double)
    /// Any ratio of counters, written as PromQL selectors (what OpenSLO's `ratioMetric` gives).
    case ratio(RatioQuery)
}

/// Which of the requests marked synthetic (a rehearsal's, `baggage: synthetic=true`) an SLI counts.
package enum SyntheticFilter: Sendable, Equatable {
    /// With the others, as a customer's: the default.
    case counted
    /// Not at all: `excludeSynthetic: true`.
    case excluded
    /// Only those: what the budget report shows they spent.
    case only

    /// The matcher on the request histogram's `synthetic` label that says it; nil for all.
    var matcher: PromSelector.Matcher? {
        switch self {
        case .counted: nil
        case .excluded: .init(SyntheticTraffic.label, .notEqual, "true")
        case .only: .init(SyntheticTraffic.label, .equal, "true")
        }
    }
}

/// Routes of the API, by method and route template (the `http_route` label).
package struct HTTPRoutes: Sendable, Equatable {
    package var method: String
    package var templates: [String]
    /// Whether rehearsals' requests (`synthetic="true"`) count: all by default, none with `excludeSynthetic`.
    package var synthetic = SyntheticFilter.counted

    package init(method: String, templates: [String]) {
        self.method = method
        self.templates = templates
    }

    package func contains(method: String, template: String) -> Bool {
        self.method == method && templates.contains(template)
    }
}
