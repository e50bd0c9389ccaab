import ShopContract

/// An SLI as counters: good or bad requests, and all of them. The numerator and the denominator are
/// summed separately over each window (BRIEF §3), never averaged as ratios.
package struct RatioQuery: Sendable, Equatable {
    package enum Numerator: Sendable, Equatable {
        case good(PromSelector)
        case bad(PromSelector)
    }

    package var numerator: Numerator
    package var total: PromSelector

    package init(_ numerator: Numerator, total: PromSelector) {
        self.numerator = numerator
        self.total = total
    }

    /// The series the SLI reads: its numerator's and its total's.
    package var selectors: [PromSelector] {
        switch numerator {
        case .bad(let selector), .good(let selector): [selector, total]
        }
    }

    /// PromQL for the bad events per second over `window` (a Prometheus duration), zero when the bad
    /// counter has no series yet (no 5xx since the start is the usual case, and must read as 0, not as no data).
    package func badRate(_ window: String) -> String {
        switch numerator {
        case .bad(let bad): "(\(Self.sumRate(bad, window)) or vector(0))"
        case .good(let good): "\(Self.sumRate(total, window)) - (\(Self.sumRate(good, window)) or vector(0))"
        }
    }

    /// PromQL for all events per second over `window`; no data while there is no traffic.
    package func totalRate(_ window: String) -> String { Self.sumRate(total, window) }

    static func sumRate(_ selector: PromSelector, _ window: String) -> String { "sum(rate(\(selector)[\(window)]))" }
}

extension Indicator {
    /// The indicator as counters of the service's request-duration histogram, or the ratio as given.
    package var query: RatioQuery {
        switch self {
        case .availability(let routes):
            let total = routes.selector(HTTPRoutes.countMetric)
            var bad = total
            bad.matchers.append(.init("http_response_status_code", .matches, "5.."))
            return RatioQuery(.bad(bad), total: total)
        case .latency(let routes, let threshold):
            var good = routes.selector(HTTPRoutes.bucketMetric)
            good.matchers.append(.init("le", .equal, HTTPRoutes.bucketLabel(threshold)))
            return RatioQuery(.good(good), total: routes.selector(HTTPRoutes.countMetric))
        case .ratio(let query):
            return query
        }
    }
}

extension HTTPRoutes {
    static let countMetric = MetricNames.requestDuration.name + "_count"
    static let bucketMetric = MetricNames.requestDuration.name + "_bucket"

    func selector(_ metric: String) -> PromSelector {
        let route: PromSelector.Matcher =
            templates.count == 1
            ? .init("http_route", .equal, templates[0])
            : .init("http_route", .matches, templates.map(Self.escapeRegex).joined(separator: "|"))
        var matchers: [PromSelector.Matcher] = [.init("http_request_method", .equal, method), route]
        if let matcher = synthetic.matcher { matchers.append(matcher) }
        return PromSelector(metric: metric, matchers: matchers)
    }

    /// The `le` label the service writes for a bucket bound (Swift's shortest spelling: 0.3, 1.0).
    package static func bucketLabel(_ bound: Double) -> String { "\(bound)" }

    /// Whether `threshold` is a bound of the request-duration histogram, so the latency SLI is exact.
    package static func isBucketBound(_ threshold: Double) -> Bool { MetricNames.requestDurationBuckets.contains(threshold) }

    static func escapeRegex(_ text: String) -> String {
        var escaped = ""
        for c in text {
            if "\\.^$*+?()[]{}|".contains(c) { escaped.append("\\") }
            escaped.append(c)
        }
        return escaped
    }
}
