import Foundation
import ShopContract
import ShopSupport

/// The native format: a service and its SLOs, each with an availability, latency or ratio indicator.
enum NativeSpec {
    struct File: Decodable {
        var service: String?
        /// Where runbooks live; `runbook_url` is this and `<alert name>.md`.
        var runbooks: String?
        /// Routing labels on every SLO's alerts.
        var labels: [String: String]?
        var slos: [SLO]?
    }

    struct SLO: Decodable {
        var name: String?
        var displayName: String?
        var description: String?
        var objective: String?
        var period: String?
        var minimumRequests: Double?
        var labels: [String: String]?
        var indicator: RawIndicator?
        /// Leave rehearsals' requests (`baggage: synthetic=true`) out of the SLI, so they spend no budget.
        var excludeSynthetic: Bool?
        /// Read only to say how the format spells it: a key nobody reads would be ignored without a word.
        var exclude_synthetic: Bool?
    }

    struct RawIndicator: Decodable {
        var availability: Routes?
        var latency: Routes?
        var ratio: Ratio?
    }

    struct Routes: Decodable {
        var method: String?
        var routes: [String]?
        var threshold: String?
    }

    struct Ratio: Decodable {
        var good: String?
        var bad: String?
        var total: String?
    }

    static let defaultMinimumRequests = 100.0

    static func objectives(_ file: File, file path: String) throws(SpecError) -> [ServiceLevelObjective] {
        func fail(_ field: String, _ reason: String) -> SpecError { SpecError(file: path, field: field, reason: reason) }
        guard let service = file.service, !service.isEmpty else { throw fail("service", "is required") }
        guard let slos = file.slos, !slos.isEmpty else { throw fail("slos", "must list at least one SLO") }
        let runbooks = file.runbooks ?? "runbooks"
        var objectives: [ServiceLevelObjective] = []
        for (index, slo) in slos.enumerated() {
            let field = "slos[\(index)]"
            let name = try SLOSpecs.checkName(slo.name, file: path, field: field + ".name")
            let objective = try SLOSpecs.objective(slo.objective, file: path, field: field + ".objective")
            let period = try SLOSpecs.duration(slo.period ?? "30d", file: path, field: field + ".period")
            let minimum = slo.minimumRequests ?? defaultMinimumRequests
            guard minimum >= 0, minimum.isFinite else { throw fail(field + ".minimumRequests", "must be 0 or more") }
            guard slo.exclude_synthetic == nil else { throw fail(field + ".exclude_synthetic", "is spelled excludeSynthetic in this format") }
            var indicator = try indicator(slo.indicator, file: path, field: field + ".indicator")
            if slo.excludeSynthetic == true {
                guard let excluding = indicator.counting(.excluded) else {
                    throw fail(
                        field + ".excludeSynthetic",
                        "the ratio reads no \(MetricNames.requestDuration.name) series, the only one with a synthetic label: leave synthetic requests out in its selectors"
                    )
                }
                indicator = excluding
            }
            var made = ServiceLevelObjective(
                name: name, displayName: slo.displayName ?? name, description: slo.description ?? "", service: service,
                objective: objective, period: .rolling(period), indicator: indicator, minimumRequests: minimum, runbookURL: "", file: path)
            made.runbookURL = runbooks + "/" + made.alertName + ".md"
            // An SLO's own label replaces the file's of the same name.
            made.labels = try SLOSpecs.labels(file.labels, file: path, field: "labels")
                .merging(try SLOSpecs.labels(slo.labels, file: path, field: field + ".labels")) { $1 }
            objectives.append(made)
        }
        return objectives
    }

    static func indicator(_ raw: RawIndicator?, file: String, field: String) throws(SpecError) -> Indicator {
        func fail(_ field: String, _ reason: String) -> SpecError { SpecError(file: file, field: field, reason: reason) }
        guard let raw else { throw fail(field, "is required (availability, latency or ratio)") }
        let given = [raw.availability != nil, raw.latency != nil, raw.ratio != nil].filter { $0 }.count
        guard given == 1 else { throw fail(field, "must be exactly one of availability, latency or ratio") }
        func routes(_ routes: Routes, _ field: String) throws(SpecError) -> HTTPRoutes {
            guard let method = routes.method, ["GET", "POST", "PUT", "DELETE", "PATCH"].contains(method) else {
                throw fail(field + ".method", "must be an HTTP method in capitals (GET, POST)")
            }
            guard let templates = routes.routes, !templates.isEmpty else { throw fail(field + ".routes", "must list at least one route template") }
            for (index, template) in templates.enumerated() where !template.hasPrefix("/") {
                throw fail(field + ".routes[\(index)]", "\"\(template)\" is not a route template (/v1/orders/{id})")
            }
            return HTTPRoutes(method: method, templates: templates)
        }
        if let availability = raw.availability {
            return .availability(try routes(availability, field + ".availability"))
        }
        if let latency = raw.latency {
            let within = try routes(latency, field + ".latency")
            guard let text = latency.threshold, let threshold = DurationText.seconds(text), threshold > 0 else {
                throw fail(field + ".latency.threshold", "is required (a duration such as 300ms)")
            }
            guard HTTPRoutes.isBucketBound(threshold) else {
                throw fail(
                    field + ".latency.threshold", "\(text) is not a bucket bound of the request duration histogram, so the SLI would not be exact")
            }
            return .latency(within, threshold: threshold)
        }
        let ratio = raw.ratio!
        return try SLOSpecs.ratio(good: ratio.good, bad: ratio.bad, total: ratio.total, file: file, field: field + ".ratio") {
            text, side throws(SpecError) in
            try SLOSpecs.selector(text, file: file, field: field + ".ratio." + side)
        }
    }
}
