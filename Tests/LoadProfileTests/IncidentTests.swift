import Foundation
import LoadProfile
import ShopDomain
import ShopSupport
import Testing

/// Game-day incidents in a profile: each sets the switchboard at its start and clears it at its end.
@Suite("Incidents")
struct IncidentTests {
    static let month = """
        name: gameday
        duration: 30d
        rate: {base: 100, shape: weekly}
        incidents:
          - {name: gateway down, slo: payment-success, expect: page, start: 1d11h, duration: 10m, set: {gateway_failure_ratio: 1}}
          - {name: slow burn, slo: payment-success, expect: none, start: 19d, duration: 3d, set: {gateway_failure_ratio: 0.0025}}
        """

    @Test func incidentsBecomeTheFaultSchedule() throws {
        let profile = try Profile(yaml: Self.month, file: "gameday.yaml")
        #expect(profile.incidents.map(\.name) == ["gateway down", "slow burn"])
        #expect(profile.incidents[0].expect == .page && profile.incidents[1].expect == .none)
        let start: Double = 35 * 3_600
        #expect(profile.incidents[0].start == start && profile.incidents[0].end == start + 600)
        let times: [Double] = [start, start + 600, 19 * 86_400, 22 * 86_400]
        #expect(profile.faults.map(\.at) == times)
        #expect(profile.faults.map(\.faults.gatewayFailureRatio) == [1, 0, 0.0025, 0])
    }

    @Test(arguments: [
        ("expect: page, start: 1d11h", "expect: pager, start: 1d11h", "gameday.yaml: incidents[0].expect: must be page, ticket or none"),
        (
            "start: 19d, duration: 3d", "start: 1d11h5m, duration: 3d",
            "gameday.yaml: incidents[1].start: overlaps gateway down: incidents follow one another"
        ),
        ("start: 19d, duration: 3d", "start: 29d, duration: 3d", "gameday.yaml: incidents[1]: must lie inside the profile's 30d"),
        ("{name: gateway down, slo: payment-success,", "{name: gateway down,", "gameday.yaml: incidents[0].slo: is required (the SLO it burns)"),
        ("set: {gateway_failure_ratio: 1}", "set: {gateway_failure_ratio: 2}", "gameday.yaml: incidents[0].set: "),
        (
            "incidents:", "faults: [{at: 1h, set: {}}]\nincidents:",
            "gameday.yaml: incidents: set the switchboard themselves: give incidents or faults, not both"
        ),
    ])
    func badIncidents(original: String, replacement: String, expected: String) {
        let yaml = Self.month.replacingOccurrences(of: original, with: replacement)
        #expect(yaml != Self.month)
        #expect(throws: ProfileError.self) { try Profile(yaml: yaml, file: "gameday.yaml") }
        do {
            _ = try Profile(yaml: yaml, file: "gameday.yaml")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }
}

/// Every profile shipped in `loadtests/` reads without an error.
@Suite("Shipped profiles")
struct ShippedProfileTests {
    static let folder =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/loadtests"

    @Test func everyShippedProfileParses() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.folder).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(names.count >= 11)
        for name in names {
            let text = try String(contentsOfFile: Self.folder + "/" + name, encoding: .utf8)
            #expect(throws: Never.self, "\(name)") { _ = try Profile(yaml: text, file: name) }
        }
        let month = try Profile(yaml: String(contentsOfFile: Self.folder + "/gameday-28d.yaml", encoding: .utf8), file: "gameday-28d.yaml")
        #expect(month.duration == 28 * 86_400 && month.incidents.count == 5)
    }
}
