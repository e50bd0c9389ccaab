import Foundation
import HummingbirdTesting
import LoadProfile
import Logging
import SLOSpec
import ShopAPI
import ShopGameDay
import ShopTestSupport
import Testing

/// The game day as a library, in-process: a replay against a live shop-api in this process, the verdict
/// on the profile's clock, and promtool on the same data.
@Suite("Game day")
struct GameDayRunTests {
    static let secret = "gameday-test-secret-0123456789abcdef-0123"

    /// Six hours with an hour of failing orders, in 30 seconds: about 1,800 requests, 150 orders an hour.
    static let profile = """
        name: gameday-test
        description: Six hours with an hour in which every order fails.
        duration: 6h
        rate: {base: 60}
        arrivals: uniform
        mix: {product: 40, stock: 10, order: 50}
        users: 50
        window: 5m
        incidents:
          - name: every order fails
            slo: order-placement-availability
            expect: page
            start: 2h
            duration: 1h
            set: {routes: {/v1/orders: {error_ratio: 1}}}
        """

    static func slos() throws -> [ServiceLevelObjective] {
        let folder = TestTools.packageRoot + "/slos"
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") }.sorted().map { name in
            ("slos/" + name, try String(contentsOfFile: folder + "/" + name, encoding: .utf8))
        }
        return try SLOSpecs.parse(files: files)
    }

    /// The availability SLOs only: a debug build beside the other suites answers slowly enough to burn the
    /// latency SLOs (it paged on read latency in the full run), which is the machine's, not the game day's.
    static func availability() throws -> [ServiceLevelObjective] {
        try slos().filter { ["order-placement-availability", "read-availability"].contains($0.name) }
    }

    @Test(.enabled(if: TestTools.promtool != nil || TestPostgres.inCI, "promtool (Debian prometheus) is not installed"))
    func anOutageOfOrdersPagesInTimeAndPrometheusAgrees() async throws {
        let promtool = try #require(TestTools.promtool, "promtool is required in CI")
        try await withTemporaryDirectory { directory in
            var configuration = AppConfiguration()
            configuration.dataDirectory = directory + "/data"
            configuration.jwtSecret = Self.secret
            configuration.demoCatalogSize = 100
            configuration.logLevel = .critical
            configuration.rateLimits = .off
            try await buildApplication(configuration).test(.live) { client in
                let port = try #require(client.port)
                var plan = try GameDayPlan(
                    profile: try Profile(yaml: Self.profile, file: "gameday-test.yaml"), profileFile: "gameday-test.yaml",
                    slos: try Self.availability(),
                    target: URL(string: "http://127.0.0.1:\(port)")!, secret: Self.secret, wallSeconds: 30, promtool: promtool)
                plan.out = directory + "/gameday.json"
                let lines = Lines()
                let verdict = try await GameDayRun.play(plan) { lines.append($0) }

                let incident = try #require(verdict.incidents.first)
                #expect(incident.passed, "\(incident)")
                #expect(verdict.falsePages == 0, "\(verdict.alerts)")
                #expect(verdict.prometheusAgrees == true, "\(verdict.prometheusReport ?? "")")
                for file in [plan.out, directory + "/gameday.html", plan.verdictFile, plan.promtoolDirectory] {
                    #expect(FileManager.default.fileExists(atPath: file), "\(file)")
                }
                let report = try String(contentsOfFile: directory + "/gameday.html", encoding: .utf8)
                #expect(report.contains("every order fails"))
                #expect(lines.all.first?.hasPrefix("game day: gameday-test, 6h of profile time in 30s") == true, "\(lines.all)")
            }
        }
    }

    @Test func aPlanNeedsIncidentsAboutSLOsThatExist() throws {
        let slos = try Self.slos()
        let target = URL(string: "http://127.0.0.1:1")!
        let calm = try Profile(yaml: "name: calm\nduration: 1h\nrate: {base: 1}\n", file: "calm.yaml")
        #expect(throws: GameDayError.self) {
            try GameDayPlan(
                profile: calm, profileFile: "calm.yaml", slos: slos, target: target, secret: Self.secret, wallSeconds: 10, promtool: "promtool")
        }
        let unknown = Self.profile.replacingOccurrences(of: "slo: order-placement-availability", with: "slo: checkout")
        do {
            _ = try GameDayPlan(
                profile: try Profile(yaml: unknown, file: "g.yaml"), profileFile: "g.yaml", slos: slos, target: target, secret: Self.secret,
                wallSeconds: 10, promtool: "promtool")
            Issue.record("an incident about an unknown SLO was accepted")
        } catch {
            #expect("\(error)".hasPrefix("g.yaml: incident every order fails: no SLO named checkout (there are "))
        }
    }

    /// A game day's requests are all synthetic: an incident about an SLO that leaves them out is refused, named.
    @Test func anIncidentAboutAnSLOThatExcludesRehearsalsIsRefused() throws {
        var slos = try Self.slos()
        let index = try #require(slos.firstIndex { $0.name == "order-placement-availability" })
        slos[index].indicator = try #require(slos[index].indicator.counting(.excluded))
        do {
            _ = try GameDayPlan(
                profile: try Profile(yaml: Self.profile, file: "g.yaml"), profileFile: "g.yaml", slos: slos,
                target: URL(string: "http://127.0.0.1:1")!,
                secret: Self.secret, wallSeconds: 10, promtool: "promtool")
            Issue.record("accepted")
        } catch {
            #expect(
                "\(error)"
                    == "g.yaml: incident every order fails: SLO order-placement-availability leaves synthetic requests out (excludeSynthetic), and a game day's are all synthetic: it would see none"
            )
        }
    }

    @Test func promtoolIsFoundOnThePathOrByItsPath() {
        #expect(GameDayPlan.executable("sh", path: "/nonexistent:/bin:/usr/bin") != nil)
        #expect(GameDayPlan.executable("no-such-tool-here", path: "/bin:/usr/bin") == nil)
        #expect(GameDayPlan.executable("/bin/sh") == "/bin/sh")
        #expect(GameDayPlan.executable("/no/such/promtool") == nil)
    }
}

/// The progress lines a game day says, kept for the test to read.
final class Lines: @unchecked Sendable {  // every access holds the lock
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
