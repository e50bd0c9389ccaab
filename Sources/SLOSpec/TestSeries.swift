/// Series that an SLI's selectors pick up, for rule tests: which are good, bad, or all requests.
enum TestSeries {
    enum Role { case good, bad, all }

    /// A selector the tests cannot build a series for, and why; the rules are written all the same.
    struct Unmatchable: Error, CustomStringConvertible {
        var description: String
    }

    static func make(for indicator: Indicator) throws(Unmatchable) -> [(String, Role)] {
        switch indicator {
        case .availability(let routes):
            let base = routes.selector(HTTPRoutes.countMetric)
            return [(series(base, routes, status: "201"), .good), (series(base, routes, status: "500"), .bad)]
        case .latency(let routes, let threshold):
            let count = routes.selector(HTTPRoutes.countMetric)
            let bucket = routes.selector(HTTPRoutes.bucketMetric)
            return [
                (series(count, routes, status: "201"), .all), (series(bucket, routes, status: "201", le: HTTPRoutes.bucketLabel(threshold)), .good),
            ]
        case .ratio(let query):
            let (numerator, role, complement): (PromSelector, Role, Role) =
                switch query.numerator {
                case .good(let good): (good, .good, .bad)
                case .bad(let bad): (bad, .bad, .good)
                }
            // One series both select when they can share one (same metric), else one each.
            let example = try labels(numerator, alongside: numerator.metric == query.total.metric ? query.total : nil)
            if !query.total.selects(metric: numerator.metric, labels: example) {
                return [(text(numerator.metric, example), role), (text(query.total.metric, try labels(query.total)), .all)]
            }
            // The complement: a series the total selects and the numerator does not, found by changing the
            // value of one label the numerator constrains.
            let base = try labels(query.total)
            for matcher in numerator.matchers {
                let constraints = query.total.matchers.filter { $0.label == matcher.label }
                let found = candidates(for: constraints + [matcher]).first { value in
                    var labels = base
                    labels[matcher.label] = value.isEmpty ? nil : value
                    return query.total.selects(metric: query.total.metric, labels: labels)
                        && !numerator.selects(metric: query.total.metric, labels: labels)
                }
                if let found {
                    var labels = base
                    labels[matcher.label] = found.isEmpty ? nil : found
                    return [(text(numerator.metric, example), role), (text(query.total.metric, labels), complement)]
                }
            }
            throw Unmatchable(description: "no series that \(query.total) selects and \(numerator) does not could be made up")
        }
    }

    static func series(_ selector: PromSelector, _ routes: HTTPRoutes, status: String, le: String? = nil) -> String {
        var labels = ["http_request_method": routes.method, "http_route": routes.templates[0], "http_response_status_code": status]
        if let le { labels["le"] = le }
        return text(selector.metric, labels)
    }

    /// Labels a series needs to be selected by `selector` (and by `other` too where one value can satisfy
    /// both): per label, the first candidate value every matcher on it accepts; absent when that is "".
    static func labels(_ selector: PromSelector, alongside other: PromSelector? = nil) throws(Unmatchable) -> [String: String] {
        var labels: [String: String] = [:]
        for label in Set(selector.matchers.map(\.label)).sorted() {
            let own = selector.matchers.filter { $0.label == label }
            let shared = own + (other?.matchers.filter { $0.label == label } ?? [])
            let pick =
                candidates(for: shared).first { value in shared.allSatisfy { $0.accepts(value) } }
                ?? candidates(for: own).first { value in own.allSatisfy { $0.accepts(value) } }
            guard let pick else {
                let text = own.map { "\(label)\($0.op.rawValue)\(PromSelector.quote($0.value))" }.joined(separator: ", ")
                throw Unmatchable(description: "no value of \(label) could be made up that \(text) accepts")
            }
            if !pick.isEmpty { labels[label] = pick }
        }
        return labels
    }

    /// Values to try for a label: what its matchers name or their regexes match, then common ones.
    static func candidates(for matchers: [PromSelector.Matcher]) -> [String] {
        var out: [String] = []
        for matcher in matchers {
            switch matcher.op {
            case .equal, .notEqual: out.append(matcher.value)
            case .matches, .notMatches: out += RegexExamples.of(matcher.value)
            }
        }
        out += ["", "other", "200", "500", "x"]
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    static func text(_ metric: String, _ labels: [String: String]) -> String {
        ExpositionSample(metric: metric, labels: labels, value: 0).series
    }
}
