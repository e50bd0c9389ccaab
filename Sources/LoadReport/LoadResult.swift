import Foundation
import Histogram
import LoadProfile
import ShopDomain

/// A replay's result: the JSON file `shop-load run --out` writes and `shop-slo eval --load` reads. Its
/// schema is in the README ("Load results"). Counts are per profile-time window and per endpoint, with both
/// latency histograms, so shards merge exactly and any window can be evaluated on the profile's clock.
public struct LoadResult: Codable, Sendable {
    public static let schemaVersion = "shop-load/1"

    public var schema = LoadResult.schemaVersion
    public var profile: ProfileInfo
    public var target: String
    /// The shards this result holds (one for a single generator, all n after `shop-load merge`).
    public var shards: [Shard]
    public var clocks: Clocks
    /// Stopped early (Ctrl-C): the windows cover what ran.
    public var interrupted: Bool
    public var windows: [Window]
    public var summary: [EndpointSummary]
    public var thresholds: [ThresholdOutcome]

    public init(
        profile: ProfileInfo, target: String, shards: [Shard], clocks: Clocks, interrupted: Bool, windows: [Window], summary: [EndpointSummary],
        thresholds: [ThresholdOutcome]
    ) {
        self.profile = profile
        self.target = target
        self.shards = shards
        self.clocks = clocks
        self.interrupted = interrupted
        self.windows = windows
        self.summary = summary
        self.thresholds = thresholds
    }

    public struct ProfileInfo: Codable, Sendable {
        public var name: String
        public var file: String
        public var description: String
        public var durationSeconds: Double
        public var baseRate: Double
        public var peakRate: Double
        public var arrivals: String
        public var seed: UInt64
        public var users: Int
        public var mix: [String: Double]
        public var spikes: [SpikeInfo]
        public var faults: [FaultInfo]
        public var thresholds: [String]

        public init(
            name: String, file: String, description: String, durationSeconds: Double, baseRate: Double, peakRate: Double, arrivals: String,
            seed: UInt64, users: Int, mix: [String: Double], spikes: [SpikeInfo], faults: [FaultInfo], thresholds: [String]
        ) {
            self.name = name
            self.file = file
            self.description = description
            self.durationSeconds = durationSeconds
            self.baseRate = baseRate
            self.peakRate = peakRate
            self.arrivals = arrivals
            self.seed = seed
            self.users = users
            self.mix = mix
            self.spikes = spikes
            self.faults = faults
            self.thresholds = thresholds
        }
    }

    public struct SpikeInfo: Codable, Sendable {
        public var name: String
        public var startSeconds: Double
        public var endSeconds: Double
        public var multiplier: Double

        public init(name: String, startSeconds: Double, endSeconds: Double, multiplier: Double) {
            self.name = name
            self.startSeconds = startSeconds
            self.endSeconds = endSeconds
            self.multiplier = multiplier
        }
    }

    public struct FaultInfo: Codable, Sendable {
        public var atSeconds: Double
        public var settings: Faults

        public init(atSeconds: Double, settings: Faults) {
            self.atSeconds = atSeconds
            self.settings = settings
        }
    }

    /// Both clocks: the wall clock the run took and the profile clock it replayed.
    public struct Clocks: Codable, Sendable {
        public var startedAt: String
        public var wallSeconds: Double
        public var speed: Double
        public var windowSeconds: Double
        public var profileStartSeconds: Double
        public var profileEndSeconds: Double

        public init(
            startedAt: String, wallSeconds: Double, speed: Double, windowSeconds: Double, profileStartSeconds: Double, profileEndSeconds: Double
        ) {
            self.startedAt = startedAt
            self.wallSeconds = wallSeconds
            self.speed = speed
            self.windowSeconds = windowSeconds
            self.profileStartSeconds = profileStartSeconds
            self.profileEndSeconds = profileEndSeconds
        }
    }

    public struct Window: Codable, Sendable {
        public var index: Int
        public var profileStartSeconds: Double
        public var wallStartSeconds: Double
        /// Requests the profile asks of this result's shards in the window.
        public var targetRequests: Double
        public var endpoints: [String: EndpointCounts]

        public init(index: Int, profileStartSeconds: Double, wallStartSeconds: Double, targetRequests: Double, endpoints: [String: EndpointCounts]) {
            self.index = index
            self.profileStartSeconds = profileStartSeconds
            self.wallStartSeconds = wallStartSeconds
            self.targetRequests = targetRequests
            self.endpoints = endpoints
        }
    }

    public struct EndpointCounts: Codable, Sendable {
        /// Due in the window: sent, or dropped at the in-flight cap.
        public var scheduled: Int = 0
        public var sent: Int = 0
        /// Sent later than the tolerance after their intended start.
        public var late: Int = 0
        public var dropped: Int = 0
        public var status: [String: Int] = [:]
        /// From the intended start (coordinated omission corrected).
        public var corrected = SparseHistogram()
        /// From the actual send.
        public var uncorrected = SparseHistogram()

        public init() {}

        public var errors: Int { StatusClass.allCases.filter(\.isError).reduce(0) { $0 + (status[$1.rawValue] ?? 0) } }
        public var completed: Int { status.values.reduce(0, +) }

        public mutating func add(_ other: EndpointCounts) {
            addCounts(other)
            corrected = Self.merged(corrected, other.corrected)
            uncorrected = Self.merged(uncorrected, other.uncorrected)
        }

        /// The counters of `other`, not its histograms.
        public mutating func addCounts(_ other: EndpointCounts) {
            scheduled += other.scheduled
            sent += other.sent
            late += other.late
            dropped += other.dropped
            status.merge(other.status, uniquingKeysWith: +)
        }

        /// Two histograms added bucket by bucket (adding to an empty one changes nothing, so it is skipped).
        static func merged(_ a: SparseHistogram, _ b: SparseHistogram) -> SparseHistogram {
            if a.isEmpty { return b }
            if b.isEmpty { return a }
            var histogram = a.histogram
            b.add(to: &histogram)
            return SparseHistogram(histogram)
        }
    }

    public struct EndpointSummary: Codable, Sendable {
        /// An endpoint's name, or "all".
        public var endpoint: String
        public var scheduled: Int
        public var sent: Int
        public var completed: Int
        public var late: Int
        public var dropped: Int
        public var errors: Int
        public var status: [String: Int]
        /// Completed requests per wall second.
        public var rate: Double
        public var errorRate: Double
        public var corrected: Percentiles
        public var uncorrected: Percentiles

        public init(
            endpoint: String, scheduled: Int, sent: Int, completed: Int, late: Int, dropped: Int, errors: Int, status: [String: Int], rate: Double,
            errorRate: Double, corrected: Percentiles, uncorrected: Percentiles
        ) {
            self.endpoint = endpoint
            self.scheduled = scheduled
            self.sent = sent
            self.completed = completed
            self.late = late
            self.dropped = dropped
            self.errors = errors
            self.status = status
            self.rate = rate
            self.errorRate = errorRate
            self.corrected = corrected
            self.uncorrected = uncorrected
        }
    }

    /// Seconds.
    public struct Percentiles: Codable, Sendable {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double

        init(_ histogram: Histogram<UInt64>) {
            let seconds = { (value: UInt64) in Double(value) / 1_000_000 }
            let empty = histogram.totalCount == 0
            p50 = empty ? 0 : seconds(histogram.valueAtPercentile(50))
            p90 = empty ? 0 : seconds(histogram.valueAtPercentile(90))
            p99 = empty ? 0 : seconds(histogram.valueAtPercentile(99))
            p999 = empty ? 0 : seconds(histogram.valueAtPercentile(99.9))
            max = empty ? 0 : seconds(histogram.max)
        }
    }

    public struct ThresholdOutcome: Codable, Sendable {
        public var expression: String
        public var observed: Double
        public var passed: Bool
    }

    public var passed: Bool { thresholds.allSatisfy(\.passed) }
}

extension LoadResult {
    public static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public static var decoder: JSONDecoder { JSONDecoder() }
}
