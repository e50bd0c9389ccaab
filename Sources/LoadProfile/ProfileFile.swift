import Foundation
import ShopDomain
import ShopSupport
import Yams

/// A profile file that cannot be used: one line naming the file, the field and what is wrong.
package typealias ProfileError = FileFieldError

extension Profile {
    /// Parses and checks a profile written in YAML (the format is in `loadtests/README.md`), section by
    /// section (`ProfileReader`).
    package init(yaml: String, file: String) throws(ProfileError) {
        let reader = ProfileReader(file: file)
        let raw: RawProfile
        do {
            raw = try YAMLDecoder().decode(RawProfile.self, from: yaml)
        } catch let error as DecodingError {
            throw ProfileError(decoding: error, file: file)
        } catch {
            throw reader.fail("", "not valid YAML: \(error)")
        }
        guard let name = raw.name, !name.isEmpty else { throw reader.fail("name", "is required") }
        self.name = name
        description = raw.description ?? ""
        duration = try reader.duration(raw.duration, "duration")
        guard duration > 0 else { throw reader.fail("duration", "must be longer than 0") }
        (baseRate, multiplier, spikes) = try reader.rate(raw.rate, over: duration)
        arrivals = try reader.arrivals(raw.arrivals)
        mix = try reader.mix(raw.mix)
        users = raw.users ?? 200
        guard users > 0 else { throw reader.fail("users", "must be at least 1") }
        speed = raw.speed ?? 1
        guard speed > 0, speed.isFinite else { throw reader.fail("speed", "must be a positive number (profile seconds per wall second)") }
        window = try reader.duration(raw.window, "window", default: max(1, duration / 1_440))
        guard window > 0 else { throw reader.fail("window", "must be longer than 0") }
        faults = try reader.faults(raw.faults ?? [], within: duration)
        if raw.incidents != nil, raw.faults != nil {
            throw reader.fail("incidents", "set the switchboard themselves: give incidents or faults, not both")
        }
        incidents = try reader.incidents(raw.incidents ?? [], within: duration)
        for incident in incidents {
            faults += [FaultStep(at: incident.start, faults: incident.faults), FaultStep(at: incident.end, faults: Faults())]
        }
        faults.sort { $0.at < $1.at }
        thresholds = try reader.thresholds(raw.thresholds ?? [])
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
