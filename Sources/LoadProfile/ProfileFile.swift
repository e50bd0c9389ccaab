import Foundation
import ShopDomain
import ShopSupport
import Yams

/// A profile file that cannot be used: one line naming the file, the field and what is wrong.
public typealias ProfileError = FileFieldError

extension Profile {
    /// Parses and checks a profile written in YAML (the format is in `loadtests/README.md`).
    public init(yaml: String, file: String) throws(ProfileError) {
        func fail(_ field: String, _ reason: String) -> ProfileError { ProfileError(file: file, field: field, reason: reason) }
        let raw: RawProfile
        do {
            raw = try YAMLDecoder().decode(RawProfile.self, from: yaml)
        } catch let error as DecodingError {
            throw ProfileError(decoding: error, file: file)
        } catch {
            throw fail("", "not valid YAML: \(error)")
        }
        func parseDuration(_ text: String?, _ field: String, default fallback: Double? = nil) throws(ProfileError) -> Double {
            guard let text else {
                if let fallback { return fallback }
                throw fail(field, "is required (a duration such as 24h, 90m, 30s)")
            }
            guard let seconds = DurationText.seconds(text) else { throw fail(field, "\"\(text)\" is not a duration (24h, 90m, 30s, 250ms)") }
            return seconds
        }

        guard let name = raw.name, !name.isEmpty else { throw fail("name", "is required") }
        self.name = name
        description = raw.description ?? ""
        duration = try parseDuration(raw.duration, "duration")
        guard duration > 0 else { throw fail("duration", "must be longer than 0") }

        guard let rate = raw.rate else { throw fail("rate", "is required (rate.base at least)") }
        guard let base = rate.base, base > 0, base.isFinite else { throw fail("rate.base", "must be a positive number of requests per second") }
        baseRate = base
        let shape: Shape
        if let name = rate.shape {
            guard let named = Shape(rawValue: name) else {
                throw fail("rate.shape", "\"\(name)\" is not a shape (\(Shape.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            shape = named
        } else {
            shape = .constant
        }
        var multiplier = shape.curve(over: duration)
        if let points = rate.points {
            guard !points.isEmpty else { throw fail("rate.points", "must list at least one [time, multiplier] pair") }
            var curve: [RateCurve.Point] = []
            for (index, point) in points.enumerated() {
                let field = "rate.points[\(index)]"
                guard point.count == 2 else { throw fail(field, "must be a [time, multiplier] pair") }
                let time = try parseDuration(point[0], field + "[0]")
                guard let value = Double(point[1]), value >= 0, value.isFinite else { throw fail(field + "[1]", "must be a multiplier of 0 or more") }
                if let last = curve.last, time < last.time { throw fail(field, "times must not go back (\(point[0]) after \(DurationText.text(last.time)))") }
                curve.append(.init(time, value))
            }
            multiplier = multiplier.multiplied(by: RateCurve(points: curve, duration: duration))
        }
        spikes = []
        for (index, spike) in (rate.spikes ?? []).enumerated() {
            let field = "rate.spikes[\(index)]"
            let start = try parseDuration(spike.start, field + ".start")
            let length = try parseDuration(spike.duration, field + ".duration")
            guard length > 0, start + length <= duration else { throw fail(field, "must lie inside the profile's \(DurationText.text(duration))") }
            guard let factor = spike.multiplier, factor > 0, factor.isFinite else { throw fail(field + ".multiplier", "must be a positive number") }
            let hotShare = spike.hotShare ?? (spike.hotSKUs == nil ? 0 : 0.8)
            guard (0...1).contains(hotShare) else { throw fail(field + ".hot_share", "must be between 0 and 1") }
            guard (spike.hotSKUs ?? 0) >= 0 else { throw fail(field + ".hot_skus", "must be 0 or more") }
            let parsed = Spike(
                name: spike.name ?? "spike \(index + 1)", start: start, duration: length, multiplier: factor,
                ramp: try parseDuration(spike.ramp, field + ".ramp", default: 0), hotSKUs: spike.hotSKUs ?? 0, hotShare: hotShare)
            spikes.append(parsed)
            multiplier = multiplier.multiplied(by: parsed.curve(over: duration))
        }
        self.multiplier = multiplier

        if let text = raw.arrivals {
            guard let arrivals = Arrivals(rawValue: text) else { throw fail("arrivals", "\"\(text)\" is not poisson or uniform") }
            self.arrivals = arrivals
        } else {
            arrivals = .poisson
        }
        if let weights = raw.mix {
            var parsed: [(endpoint: Endpoint, weight: Double)] = []
            for (key, weight) in weights.sorted(by: { $0.key < $1.key }) {
                guard let endpoint = Endpoint(rawValue: key) else {
                    throw fail("mix.\(key)", "is not an endpoint (\(Endpoint.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                guard weight >= 0, weight.isFinite else { throw fail("mix.\(key)", "must be a weight of 0 or more") }
                parsed.append((endpoint, weight))
            }
            parsed.sort { $0.endpoint < $1.endpoint }
            guard parsed.contains(where: { $0.weight > 0 }) else { throw fail("mix", "needs at least one weight above 0") }
            mix = EndpointMix(parsed)
        } else {
            mix = .shop
        }
        users = raw.users ?? 200
        guard users > 0 else { throw fail("users", "must be at least 1") }
        speed = raw.speed ?? 1
        guard speed > 0, speed.isFinite else { throw fail("speed", "must be a positive number (profile seconds per wall second)") }
        window = try parseDuration(raw.window, "window", default: max(1, duration / 1_440))
        guard window > 0 else { throw fail("window", "must be longer than 0") }

        func settings(_ set: RawFaults?, _ field: String) throws(ProfileError) -> Faults {
            let set = set ?? RawFaults()
            var routes: [String: Faults.RouteFault] = [:]
            for (route, fault) in set.routes ?? [:] {
                routes[route] = Faults.RouteFault(errorRatio: fault.errorRatio ?? 0, latencyMilliseconds: fault.latencyMilliseconds ?? 0)
            }
            let settings = Faults(
                gatewayFailureRatio: set.gatewayFailureRatio ?? 0, gatewayLatencyMilliseconds: set.gatewayLatencyMilliseconds ?? 0,
                databaseLatencyMilliseconds: set.databaseLatencyMilliseconds ?? 0, routes: routes)
            do {
                // Routes are checked by the API itself when the step is applied; ratios and latencies here.
                _ = try settings.validated(knownRoutes: Set(routes.keys))
            } catch {
                throw fail(field, "\(error)")
            }
            return settings
        }
        faults = []
        for (index, step) in (raw.faults ?? []).enumerated() {
            let field = "faults[\(index)]"
            let at = try parseDuration(step.at, field + ".at")
            guard at <= duration else { throw fail(field + ".at", "is after the profile's end (\(DurationText.text(duration)))") }
            faults.append(FaultStep(at: at, faults: try settings(step.set, field + ".set")))
        }
        incidents = []
        if raw.incidents != nil, raw.faults != nil { throw fail("incidents", "set the switchboard themselves: give incidents or faults, not both") }
        for (index, raw) in (raw.incidents ?? []).enumerated() {
            let field = "incidents[\(index)]"
            guard let name = raw.name, !name.isEmpty else { throw fail(field + ".name", "is required") }
            guard let slo = raw.slo, !slo.isEmpty else { throw fail(field + ".slo", "is required (the SLO it burns)") }
            guard let expect = raw.expect.flatMap(Incident.Expectation.init(rawValue:)) else {
                throw fail(field + ".expect", "must be page, ticket or none")
            }
            let start = try parseDuration(raw.start, field + ".start")
            let length = try parseDuration(raw.duration, field + ".duration")
            guard length > 0, start + length <= duration else { throw fail(field, "must lie inside the profile's \(DurationText.text(duration))") }
            if let last = incidents.last, start < last.end { throw fail(field + ".start", "overlaps \(last.name): incidents follow one another") }
            let incident = Incident(name: name, slo: slo, expect: expect, start: start, end: start + length, faults: try settings(raw.set, field + ".set"))
            incidents.append(incident)
            faults += [FaultStep(at: incident.start, faults: incident.faults), FaultStep(at: incident.end, faults: Faults())]
        }
        faults.sort { $0.at < $1.at }

        thresholds = []
        for (index, text) in (raw.thresholds ?? []).enumerated() {
            do {
                thresholds.append(try Threshold(parsing: text))
            } catch {
                throw fail("thresholds[\(index)]", error.reason)
            }
        }
    }
}

/// The file as written, before checking: every field optional, so a missing one gets a message of ours.
struct RawProfile: Decodable {
    var name: String?
    var description: String?
    var duration: String?
    var rate: RawRate?
    var arrivals: String?
    var mix: [String: Double]?
    var users: Int?
    var speed: Double?
    var window: String?
    var faults: [RawFaultStep]?
    var incidents: [RawIncident]?
    var thresholds: [String]?
}

struct RawRate: Decodable {
    var base: Double?
    var shape: String?
    var points: [[String]]?
    var spikes: [RawSpike]?
}

struct RawSpike: Decodable {
    var name: String?
    var start: String?
    var duration: String?
    var multiplier: Double?
    var ramp: String?
    var hotSKUs: Int?
    var hotShare: Double?

    enum CodingKeys: String, CodingKey {
        case name, start, duration, multiplier, ramp, hotSKUs = "hot_skus", hotShare = "hot_share"
    }
}

struct RawIncident: Decodable {
    var name: String?
    var slo: String?
    var expect: String?
    var start: String?
    var duration: String?
    var set: RawFaults?
}

struct RawFaultStep: Decodable {
    var at: String?
    var set: RawFaults?
}

struct RawFaults: Decodable {
    var gatewayFailureRatio: Double?
    var gatewayLatencyMilliseconds: Int?
    var databaseLatencyMilliseconds: Int?
    var routes: [String: RawRouteFault]?

    enum CodingKeys: String, CodingKey {
        case gatewayFailureRatio = "gateway_failure_ratio", gatewayLatencyMilliseconds = "gateway_latency_ms"
        case databaseLatencyMilliseconds = "database_latency_ms", routes
    }
}

struct RawRouteFault: Decodable {
    var errorRatio: Double?
    var latencyMilliseconds: Int?

    enum CodingKeys: String, CodingKey {
        case errorRatio = "error_ratio", latencyMilliseconds = "latency_ms"
    }
}
