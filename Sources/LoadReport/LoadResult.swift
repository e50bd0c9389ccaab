import Foundation
import Histogram
import LoadProfile
import ShopDomain

/// A replay's result: the JSON file `shop-load run --out` writes and `shop-slo eval --load` reads. Its
/// schema is in docs/load-testing.md ("The result file"). Counts are per profile-time window and per endpoint, with both
/// latency histograms, so shards merge exactly and any window can be evaluated on the profile's clock.
package struct LoadResult: Codable, Sendable {
    /// What this version writes. `/2` added status codes (`codes`), the slowest requests' traces (`slowest`) and
    /// the run's early stop (`stop`) to `/1`, and changed nothing else: a `/1` file reads as a `/2` one without them.
    package static let schemaVersion = "shop-load/2"
    package static let readableSchemas: Set<String> = ["shop-load/1", schemaVersion]

    package var schema = LoadResult.schemaVersion
    package var profile: ProfileInfo
    package var target: String
    /// The shards this result holds (one for a single generator, all n after `shop-load merge`).
    package var shards: [Shard]
    package var clocks: Clocks
    /// Stopped early (Ctrl-C, or `stop` says why): the windows cover what ran.
    package var interrupted: Bool
    /// Where a trace is shown, `{trace_id}` standing for its id (`--trace-url`): the report links the slowest requests there.
    package var traceURL: String?
    /// Why and when the run stopped itself before its end (`--abort-on-fail`, `--abort-on`); nil when it ran to its end
    /// or was interrupted by hand.
    package var stop: Stop?
    package var windows: [Window]
    package var summary: [EndpointSummary]
    package var thresholds: [ThresholdOutcome]

    package init(
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

    package struct ProfileInfo: Codable, Sendable {
        package var name: String
        package var file: String
        package var description: String
        package var durationSeconds: Double
        package var baseRate: Double
        package var peakRate: Double
        package var arrivals: String
        package var seed: UInt64
        package var users: Int
        package var mix: [String: Double]
        package var spikes: [SpikeInfo]
        package var faults: [FaultInfo]
        package var thresholds: [String]

        package init(
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

    package struct SpikeInfo: Codable, Sendable {
        package var name: String
        package var startSeconds: Double
        package var endSeconds: Double
        package var multiplier: Double

        package init(name: String, startSeconds: Double, endSeconds: Double, multiplier: Double) {
            self.name = name
            self.startSeconds = startSeconds
            self.endSeconds = endSeconds
            self.multiplier = multiplier
        }
    }

    package struct FaultInfo: Codable, Sendable {
        package var atSeconds: Double
        package var settings: Faults

        package init(atSeconds: Double, settings: Faults) {
            self.atSeconds = atSeconds
            self.settings = settings
        }
    }

    /// Both clocks: the wall clock the run took and the profile clock it replayed.
    package struct Clocks: Codable, Sendable {
        package var startedAt: String
        package var wallSeconds: Double
        package var speed: Double
        package var windowSeconds: Double
        package var profileStartSeconds: Double
        package var profileEndSeconds: Double

        package init(
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

    package struct Window: Codable, Sendable {
        package var index: Int
        package var profileStartSeconds: Double
        package var wallStartSeconds: Double
        /// Requests the profile asks of this result's shards in the window.
        package var targetRequests: Double
        package var endpoints: [String: EndpointCounts]

        package init(index: Int, profileStartSeconds: Double, wallStartSeconds: Double, targetRequests: Double, endpoints: [String: EndpointCounts]) {
            self.index = index
            self.profileStartSeconds = profileStartSeconds
            self.wallStartSeconds = wallStartSeconds
            self.targetRequests = targetRequests
            self.endpoints = endpoints
        }
    }

    package struct EndpointCounts: Codable, Sendable {
        /// Due in the window: sent, or dropped at the in-flight cap.
        package var scheduled: Int = 0
        package var sent: Int = 0
        /// Sent later than the tolerance after their intended start.
        package var late: Int = 0
        package var dropped: Int = 0
        /// By class (`2xx` … `5xx`, and `error` for no answer).
        package var status: [String: Int] = [:]
        /// By the status code answered (`"200"`, `"409"`): the classes' answered part, code by code.
        package var codes: [String: Int] = [:]
        /// The slowest requests (corrected latency), slowest first, with the traces they started.
        package var slowest: [SlowRequest] = []
        /// From the intended start (coordinated omission corrected).
        package var corrected = SparseHistogram()
        /// From the actual send.
        package var uncorrected = SparseHistogram()

        package init() {}

        package var errors: Int { StatusClass.allCases.filter(\.isError).reduce(0) { $0 + (status[$1.rawValue] ?? 0) } }
        package var completed: Int { status.values.reduce(0, +) }

        package mutating func add(_ other: EndpointCounts) {
            addCounts(other)
            corrected = Self.merged(corrected, other.corrected)
            uncorrected = Self.merged(uncorrected, other.uncorrected)
        }

        /// The counters of `other`, not its histograms.
        package mutating func addCounts(_ other: EndpointCounts) {
            scheduled += other.scheduled
            sent += other.sent
            late += other.late
            dropped += other.dropped
            status.merge(other.status, uniquingKeysWith: +)
            codes.merge(other.codes, uniquingKeysWith: +)
            slowest = SlowRequest.slowest(slowest + other.slowest)
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

    package struct EndpointSummary: Codable, Sendable {
        /// An endpoint's name, or "all".
        package var endpoint: String
        package var scheduled: Int
        package var sent: Int
        package var completed: Int
        package var late: Int
        package var dropped: Int
        package var errors: Int
        package var status: [String: Int]
        package var codes: [String: Int]
        /// Completed requests per wall second.
        package var rate: Double
        package var errorRate: Double
        package var corrected: Percentiles
        package var uncorrected: Percentiles

        package init(
            endpoint: String, scheduled: Int, sent: Int, completed: Int, late: Int, dropped: Int, errors: Int, status: [String: Int],
            codes: [String: Int], rate: Double, errorRate: Double, corrected: Percentiles, uncorrected: Percentiles
        ) {
            self.endpoint = endpoint
            self.scheduled = scheduled
            self.sent = sent
            self.completed = completed
            self.late = late
            self.dropped = dropped
            self.errors = errors
            self.status = status
            self.codes = codes
            self.rate = rate
            self.errorRate = errorRate
            self.corrected = corrected
            self.uncorrected = uncorrected
        }
    }

    /// Seconds.
    package struct Percentiles: Codable, Sendable {
        package var p50: Double
        package var p90: Double
        package var p99: Double
        package var p999: Double
        package var max: Double

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

    package struct ThresholdOutcome: Codable, Sendable {
        package var expression: String
        package var observed: Double
        package var passed: Bool

        package init(expression: String, observed: Double, passed: Bool) {
            self.expression = expression
            self.observed = observed
            self.passed = passed
        }
    }

    package var passed: Bool { thresholds.allSatisfy(\.passed) && stop == nil }
}

extension LoadResult.EndpointCounts {
    private enum CodingKeys: String, CodingKey { case scheduled, sent, late, dropped, status, codes, slowest, corrected, uncorrected }

    // Written out for `codes` and `slowest`, which a `shop-load/1` file does not have (the synthesised form requires every key).
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        scheduled = try container.decode(Int.self, forKey: .scheduled)
        sent = try container.decode(Int.self, forKey: .sent)
        late = try container.decode(Int.self, forKey: .late)
        dropped = try container.decode(Int.self, forKey: .dropped)
        status = try container.decode([String: Int].self, forKey: .status)
        codes = try container.decodeIfPresent([String: Int].self, forKey: .codes) ?? [:]
        slowest = try container.decodeIfPresent([LoadResult.SlowRequest].self, forKey: .slowest) ?? []
        corrected = try container.decode(SparseHistogram.self, forKey: .corrected)
        uncorrected = try container.decode(SparseHistogram.self, forKey: .uncorrected)
    }
}

extension LoadResult {
    package static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    package static var decoder: JSONDecoder { JSONDecoder() }
}
