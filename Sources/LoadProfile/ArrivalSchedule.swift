import Foundation

/// The open-loop schedule of a replay: when each request is due, fixed ahead of time by the profile, the
/// speed and a seed, never by how fast the server answers. Arrival `k` of the whole run goes to shard
/// `k mod n`, so n generators with the same seed send together exactly what one would.
package struct ArrivalSchedule: Sendable {
    package struct Arrival: Sendable, Equatable {
        /// The arrival's number in the whole run (all shards).
        package let index: Int
        /// Seconds of wall time from the start of the run.
        package let wallTime: Double
        /// Seconds of profile time.
        package let profileTime: Double
        /// A number for this arrival alone, for its choices (endpoint, SKU, customer): the same in every shard.
        package let seed: UInt64
        /// With uniform arrivals, where the arrival falls in the endpoint mix, in [0, 1): the golden-ratio
        /// sequence of its number, so any run of consecutive arrivals holds each endpoint's share give or
        /// take a few. Nil with Poisson arrivals, whose endpoint is drawn from `seed`. A replay carries a
        /// sliver of real volume; even gaps and an even mix keep its sampling noise from deciding what
        /// a window holds (a game day's quiet hour saw half its expected orders).
        package let evenMixPoint: Double?
    }

    package let profile: Profile
    package let speed: Double
    package let seed: UInt64
    package let shard: Shard
    /// Profile time at which the replay ends (the profile's duration unless cut short).
    package let end: Double

    private var gaps: SplitMix64
    private var integral = 0.0
    private var next = 0
    /// ∫ multiplier d(profile time) per arrival: `speed / baseRate`.
    private let step: Double

    package init(profile: Profile, speed: Double, seed: UInt64, shard: Shard = .whole, end: Double? = nil) {
        self.profile = profile
        self.speed = speed
        self.seed = seed
        self.shard = shard
        self.end = min(end ?? profile.duration, profile.duration)
        gaps = SplitMix64(seed: seed)
        step = speed / profile.baseRate
    }

    package var wallDuration: Double { end / speed }

    /// (√5 − 1) / 2: its multiples modulo 1 spread more evenly over [0, 1) than any other step's.
    static let goldenRatioConjugate = 0.618_033_988_749_894_8

    /// The next arrival of this shard, or nil when the replay is over.
    package mutating func nextArrival() -> Arrival? {
        while true {
            let index = next
            next += 1
            switch profile.arrivals {
            case .poisson: integral += gaps.nextExponential() * step
            case .uniform: integral = (Double(index) + 1) * step
            }
            guard let time = profile.multiplier.time(atIntegral: integral), time <= end else { return nil }
            guard shard.owns(index) else { continue }
            let evenMixPoint: Double? =
                switch profile.arrivals {
                case .poisson: nil
                case .uniform: (Double(index) * Self.goldenRatioConjugate).truncatingRemainder(dividingBy: 1)
                }
            return Arrival(
                index: index, wallTime: time / speed, profileTime: time, seed: SplitMix64.mix(seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15),
                evenMixPoint: evenMixPoint)
        }
    }
}

/// This generator's part of a run split over several: `index` of `count`, from `--shard i/n`.
package struct Shard: Sendable, Hashable, Codable, CustomStringConvertible {
    package let index: Int
    package let count: Int

    package static let whole = Shard(index: 0, count: 1)

    package init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses `i/n` with 0 ≤ i < n.
    package init?(parsing text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count > 0, (0..<count).contains(index) else { return nil }
        self.init(index: index, count: count)
    }

    package func owns(_ arrival: Int) -> Bool { arrival % count == index }
    package var description: String { "\(index)/\(count)" }
}

/// SplitMix64: tiny, fast and good enough to draw arrivals and choices; seeded, so a run can be replayed.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    package static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    package mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Exponential with mean 1.
    package mutating func nextExponential() -> Double { -log(1 - nextUnit()) }
}
