import Foundation
import LoadProfile
import LoadReport
import SLOSpec
import ShopSupport

/// What a game day replays, checked before anything runs: a profile with incidents, each naming an SLO
/// it is about, the target, how long the replay may take on the wall clock, and where its files go.
package struct GameDayPlan: Sendable {
    package let profile: Profile
    package let profileFile: String
    package let slos: [ServiceLevelObjective]
    package let target: URL
    /// The target's HS256 secret: customers' tokens and the switchboard's admin one are signed with it.
    package let secret: String
    package let wallSeconds: Double
    package var seed: UInt64 = 20_261_121
    /// The load result (JSON); the HTML report, the verdict and promtool's folder go beside it.
    package var out = "gameday.json"
    /// An executable promtool.
    package let promtool: String

    package init(
        profile: Profile, profileFile: String, slos: [ServiceLevelObjective], target: URL, secret: String, wallSeconds: Double,
        promtool: String
    ) throws(GameDayError) {
        guard !profile.incidents.isEmpty else { throw GameDayError("\(profileFile): incidents: a game day needs at least one") }
        for incident in profile.incidents where !slos.contains(where: { $0.name == incident.slo }) {
            throw GameDayError(
                "\(profileFile): incident \(incident.name): no SLO named \(incident.slo) (there are \(slos.map(\.name).joined(separator: ", ")))")
        }
        // A game day's requests are all the replay's, marked synthetic: an SLO that leaves them out would see none.
        for incident in profile.incidents {
            if let slo = slos.first(where: { $0.name == incident.slo }), slo.indicator.synthetic == .excluded {
                throw GameDayError(
                    "\(profileFile): incident \(incident.name): SLO \(slo.name) leaves synthetic requests out (excludeSynthetic), and a game day's are all synthetic: it would see none"
                )
            }
        }
        guard wallSeconds > 0, wallSeconds.isFinite else { throw GameDayError("the replay's wall time must be positive") }
        self.profile = profile
        self.profileFile = profileFile
        self.slos = slos
        self.target = target
        self.secret = secret
        self.wallSeconds = wallSeconds
        self.promtool = promtool
    }

    /// Profile seconds per wall second.
    package var speed: Double { profile.duration / wallSeconds }

    package var verdictFile: String { ResultFile.stem(of: out) + "-verdict.json" }
    package var promtoolDirectory: String { ResultFile.stem(of: out) + "-promtool" }

    /// `name` as an executable: a path as given, or found on `PATH`; nil when there is none.
    package static func executable(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        return (path ?? "/usr/bin").split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// A game day that cannot run, in one line.
package struct GameDayError: Error, Sendable, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
