import ShopDomain

/// A traffic profile: how many requests per second, over the profile's own clock, doing what. Built from a
/// YAML file in `loadtests/` by `Profile(yaml:file:)`; everything here is already checked.
package struct Profile: Sendable, Equatable {
    package enum Arrivals: String, Sendable, Codable {
        /// Exponential gaps: independent customers, as real traffic arrives.
        case poisson
        /// Even gaps: for measuring the generator itself.
        case uniform
    }

    /// A burst on top of the shape: ramps up over `ramp`, holds, ramps down over `ramp`. A hot set, when
    /// given, draws `hotShare` of the product, stock and order requests during the spike onto the first
    /// `hotSKUs` SKUs of the catalogue.
    package struct Spike: Sendable, Equatable {
        package var name: String
        package var start: Double
        package var duration: Double
        package var multiplier: Double
        package var ramp: Double
        package var hotSKUs: Int
        package var hotShare: Double

        package var end: Double { start + duration }

        /// The spike's factor over `duration` seconds: 1 outside, `multiplier` at its height.
        func curve(over total: Double) -> RateCurve {
            let ramp = min(self.ramp, duration / 2)
            return RateCurve(
                points: [
                    .init(0, 1), .init(start, 1), .init(start + ramp, multiplier), .init(end - ramp, multiplier), .init(end, 1), .init(total, 1),
                ], duration: total)
        }
    }

    package struct Incident: Sendable, Equatable {
        package enum Expectation: String, Sendable, Codable {
            case page, ticket, none
        }

        package var name: String
        /// The SLO it burns (a name in the specs).
        package var slo: String
        package var expect: Expectation
        package var start: Double
        package var end: Double
        package var faults: Faults
    }

    /// At profile time `at`, the switchboard (`PUT /v1/admin/faults`) is set to `faults`.
    package struct FaultStep: Sendable, Equatable {
        package var at: Double
        package var faults: Faults
    }

    package var name: String
    package var description: String
    /// The profile's own length, in seconds of profile time.
    package var duration: Double
    /// Requests per second at multiplier 1: a normal day's average.
    package var baseRate: Double
    /// The multiplier over profile time: shape × points × spikes.
    package var multiplier: RateCurve
    package var spikes: [Spike]
    package var arrivals: Arrivals
    package var mix: EndpointMix
    package var users: Int
    /// Profile seconds per wall second, unless the command line says otherwise.
    package var speed: Double
    /// Profile seconds per result window.
    package var window: Double
    package var faults: [FaultStep]
    /// Scheduled incidents of a game day: each sets the switchboard at its start and clears it at its end
    /// (its steps are in `faults`), and says which SLO it burns and which alert should catch it.
    package var incidents: [Incident]
    package var thresholds: [Threshold]

    /// The target rate, in requests per wall second, at profile time `time` (compression changes the clock,
    /// not the rate: a day replayed in ten minutes runs at the day's rates).
    package func rate(at time: Double) -> Double { baseRate * multiplier.value(at: time) }

    /// Requests a replay sends between two profile times at `speed`: the rate's integral over wall time.
    package func expectedRequests(from start: Double, to end: Double, speed: Double) -> Double {
        baseRate * multiplier.integral(from: start, to: end) / speed
    }

    package var peakRate: Double { baseRate * multiplier.maximum }

    /// The hot set in force at profile time `time`, if a spike with one is under way.
    package func hotSet(at time: Double) -> (skus: Int, share: Double)? {
        for spike in spikes where spike.hotSKUs > 0 && time >= spike.start && time < spike.end { return (spike.hotSKUs, spike.hotShare) }
        return nil
    }

    /// This profile with its base rate set so the peak is `peak` requests per second.
    package func withPeakRate(_ peak: Double) -> Profile {
        var copy = self
        copy.baseRate = peak / multiplier.maximum
        return copy
    }
}
