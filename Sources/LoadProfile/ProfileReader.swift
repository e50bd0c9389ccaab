import ShopDomain
import ShopSupport

/// Checks a profile file's sections one by one, each failure one line naming the file and the field.
struct ProfileReader {
    let file: String

    func fail(_ field: String, _ reason: String) -> ProfileError { ProfileError(file: file, field: field, reason: reason) }

    func duration(_ text: String?, _ field: String, default fallback: Double? = nil) throws(ProfileError) -> Double {
        guard let text else {
            if let fallback { return fallback }
            throw fail(field, "is required (a duration such as 24h, 90m, 30s)")
        }
        guard let seconds = DurationText.seconds(text) else { throw fail(field, "\"\(text)\" is not a duration (24h, 90m, 30s, 250ms)") }
        return seconds
    }

    /// `rate`: the base rate, and the multiplier over time made of the shape, the points and the spikes.
    func rate(_ rate: RawRate?, over duration: Double) throws(ProfileError) -> (base: Double, multiplier: RateCurve, spikes: [Profile.Spike]) {
        guard let rate else { throw fail("rate", "is required (rate.base at least)") }
        guard let base = rate.base, base > 0, base.isFinite else { throw fail("rate.base", "must be a positive number of requests per second") }
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
            multiplier = multiplier.multiplied(by: try self.points(points, over: duration))
        }
        var spikes: [Profile.Spike] = []
        for (index, spike) in (rate.spikes ?? []).enumerated() {
            let parsed = try self.spike(spike, index: index, within: duration)
            spikes.append(parsed)
            multiplier = multiplier.multiplied(by: parsed.curve(over: duration))
        }
        return (base, multiplier, spikes)
    }

    private func points(_ points: [[String]], over duration: Double) throws(ProfileError) -> RateCurve {
        guard !points.isEmpty else { throw fail("rate.points", "must list at least one [time, multiplier] pair") }
        var curve: [RateCurve.Point] = []
        for (index, point) in points.enumerated() {
            let field = "rate.points[\(index)]"
            guard point.count == 2 else { throw fail(field, "must be a [time, multiplier] pair") }
            let time = try self.duration(point[0], field + "[0]")
            guard let value = Double(point[1]), value >= 0, value.isFinite else { throw fail(field + "[1]", "must be a multiplier of 0 or more") }
            if let last = curve.last, time < last.time {
                throw fail(field, "times must not go back (\(point[0]) after \(DurationText.text(last.time)))")
            }
            curve.append(.init(time, value))
        }
        return RateCurve(points: curve, duration: duration)
    }

    private func spike(_ spike: RawSpike, index: Int, within duration: Double) throws(ProfileError) -> Profile.Spike {
        let field = "rate.spikes[\(index)]"
        let start = try self.duration(spike.start, field + ".start")
        let length = try self.duration(spike.duration, field + ".duration")
        guard length > 0, start + length <= duration else { throw fail(field, "must lie inside the profile's \(DurationText.text(duration))") }
        guard let factor = spike.multiplier, factor > 0, factor.isFinite else { throw fail(field + ".multiplier", "must be a positive number") }
        let hotShare = spike.hotShare ?? (spike.hotSKUs == nil ? 0 : 0.8)
        guard (0...1).contains(hotShare) else { throw fail(field + ".hot_share", "must be between 0 and 1") }
        guard (spike.hotSKUs ?? 0) >= 0 else { throw fail(field + ".hot_skus", "must be 0 or more") }
        return Profile.Spike(
            name: spike.name ?? "spike \(index + 1)", start: start, duration: length, multiplier: factor,
            ramp: try self.duration(spike.ramp, field + ".ramp", default: 0), hotSKUs: spike.hotSKUs ?? 0, hotShare: hotShare)
    }

    func arrivals(_ text: String?) throws(ProfileError) -> Profile.Arrivals {
        guard let text else { return .poisson }
        guard let arrivals = Profile.Arrivals(rawValue: text) else { throw fail("arrivals", "\"\(text)\" is not poisson or uniform") }
        return arrivals
    }

    func mix(_ weights: [String: Double]?) throws(ProfileError) -> EndpointMix {
        guard let weights else { return .shop }
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
        return EndpointMix(parsed)
    }

    /// `faults`: the switchboard's steps, each inside the profile.
    func faults(_ steps: [RawFaultStep], within duration: Double) throws(ProfileError) -> [Profile.FaultStep] {
        var faults: [Profile.FaultStep] = []
        for (index, step) in steps.enumerated() {
            let field = "faults[\(index)]"
            let at = try self.duration(step.at, field + ".at")
            guard at <= duration else { throw fail(field + ".at", "is after the profile's end (\(DurationText.text(duration)))") }
            faults.append(Profile.FaultStep(at: at, faults: try settings(step.set, field + ".set")))
        }
        return faults
    }

    /// `incidents`: named, about an SLO, expecting an alert, inside the profile and one after another.
    func incidents(_ raws: [RawIncident], within duration: Double) throws(ProfileError) -> [Profile.Incident] {
        var incidents: [Profile.Incident] = []
        for (index, raw) in raws.enumerated() {
            let field = "incidents[\(index)]"
            guard let name = raw.name, !name.isEmpty else { throw fail(field + ".name", "is required") }
            guard let slo = raw.slo, !slo.isEmpty else { throw fail(field + ".slo", "is required (the SLO it burns)") }
            guard let expect = raw.expect.flatMap(Profile.Incident.Expectation.init(rawValue:)) else {
                throw fail(field + ".expect", "must be page, ticket or none")
            }
            let start = try self.duration(raw.start, field + ".start")
            let length = try self.duration(raw.duration, field + ".duration")
            guard length > 0, start + length <= duration else { throw fail(field, "must lie inside the profile's \(DurationText.text(duration))") }
            if let last = incidents.last, start < last.end { throw fail(field + ".start", "overlaps \(last.name): incidents follow one another") }
            incidents.append(
                Profile.Incident(
                    name: name, slo: slo, expect: expect, start: start, end: start + length, faults: try settings(raw.set, field + ".set")))
        }
        return incidents
    }

    /// A switchboard setting: ratios and latencies checked here, routes by the API when it is applied.
    private func settings(_ set: RawFaults?, _ field: String) throws(ProfileError) -> Faults {
        let set = set ?? RawFaults()
        var routes: [String: Faults.RouteFault] = [:]
        for (route, fault) in set.routes ?? [:] {
            routes[route] = Faults.RouteFault(errorRatio: fault.errorRatio ?? 0, latencyMilliseconds: fault.latencyMilliseconds ?? 0)
        }
        let settings = Faults(
            gatewayFailureRatio: set.gatewayFailureRatio ?? 0, gatewayLatencyMilliseconds: set.gatewayLatencyMilliseconds ?? 0,
            databaseLatencyMilliseconds: set.databaseLatencyMilliseconds ?? 0, routes: routes)
        do {
            _ = try settings.validated(knownRoutes: Set(routes.keys))
        } catch {
            throw fail(field, "\(error)")
        }
        return settings
    }

    func thresholds(_ texts: [String]) throws(ProfileError) -> [Threshold] {
        var thresholds: [Threshold] = []
        for (index, text) in texts.enumerated() {
            do {
                thresholds.append(try Threshold(parsing: text))
            } catch {
                throw fail("thresholds[\(index)]", error.reason)
            }
        }
        return thresholds
    }
}
