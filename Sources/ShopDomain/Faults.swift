import Synchronization

/// Faults to inject while the service runs, for rehearsals and game days: the gateway failing or slow, the
/// database slow, one route failing or slow. All zero means none.
package struct Faults: Sendable, Equatable, Codable {
    package struct RouteFault: Sendable, Equatable, Codable {
        package var errorRatio: Double
        package var latencyMilliseconds: Int

        package init(errorRatio: Double = 0, latencyMilliseconds: Int = 0) {
            self.errorRatio = errorRatio
            self.latencyMilliseconds = latencyMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case errorRatio = "error_ratio", latencyMilliseconds = "latency_ms"
        }
    }

    package var gatewayFailureRatio: Double
    package var gatewayLatencyMilliseconds: Int
    package var databaseLatencyMilliseconds: Int
    /// By route template.
    package var routes: [String: RouteFault]

    package init(
        gatewayFailureRatio: Double = 0, gatewayLatencyMilliseconds: Int = 0, databaseLatencyMilliseconds: Int = 0, routes: [String: RouteFault] = [:]
    ) {
        self.gatewayFailureRatio = gatewayFailureRatio
        self.gatewayLatencyMilliseconds = gatewayLatencyMilliseconds
        self.databaseLatencyMilliseconds = databaseLatencyMilliseconds
        self.routes = routes
    }

    package static let maxLatencyMilliseconds = 60_000

    /// Ratios in 0…1, latencies in 0…60 s, routes among `knownRoutes`.
    package func validated(knownRoutes: Set<String>) throws(ShopError) -> Faults {
        var issues: [FieldIssue] = []
        func ratio(_ value: Double, _ field: String) {
            if !(0...1).contains(value) { issues.append(FieldIssue(field: field, message: "must be between 0 and 1")) }
        }
        func latency(_ value: Int, _ field: String) {
            if !(0...Self.maxLatencyMilliseconds).contains(value) {
                issues.append(FieldIssue(field: field, message: "must be between 0 and \(Self.maxLatencyMilliseconds)"))
            }
        }
        ratio(gatewayFailureRatio, "gateway_failure_ratio")
        latency(gatewayLatencyMilliseconds, "gateway_latency_ms")
        latency(databaseLatencyMilliseconds, "database_latency_ms")
        for (route, fault) in routes.sorted(by: { $0.key < $1.key }) {
            if !knownRoutes.contains(route) { issues.append(FieldIssue(field: "routes.\(route)", message: "is not a route template of this API")) }
            ratio(fault.errorRatio, "routes.\(route).error_ratio")
            latency(fault.latencyMilliseconds, "routes.\(route).latency_ms")
        }
        guard issues.isEmpty else { throw .validation(issues) }
        return self
    }

    enum CodingKeys: String, CodingKey {
        case gatewayFailureRatio = "gateway_failure_ratio", gatewayLatencyMilliseconds = "gateway_latency_ms"
        case databaseLatencyMilliseconds = "database_latency_ms", routes
    }
}

/// Where a failure ratio applies: the payment gateway client, or one route (by template).
package enum FaultSite: Hashable, Sendable {
    case gateway
    case route(String)
}

/// The faults in force, read by every place that injects one and changed by the admin endpoint.
package final class FaultSwitchboard: Sendable {
    private struct State {
        var faults = Faults()
        /// Per site, the failures owed so far (ratio × events − failures), always in 0..<1.
        var owed: [FaultSite: Double] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    /// Setting new faults starts every site's spreading afresh.
    package var faults: Faults {
        get { state.withLock { $0.faults } }
        set { state.withLock { $0 = State(faults: newValue) } }
    }

    /// Whether this event at `site` fails. Failures are spread evenly, not drawn at random: any run of n
    /// events holds ratio × n of them, give or take one. A replay carries a tiny share of a real month's
    /// requests, so random draws would add window-to-window noise that real volumes average away, and a
    /// game day's verdict would depend on luck (a 4× burn drawn at random crossed the 6× page line).
    package func strikes(at site: FaultSite) -> Bool {
        state.withLock { state in
            let ratio =
                switch site {
                case .gateway: state.faults.gatewayFailureRatio
                case .route(let template): state.faults.routes[template]?.errorRatio ?? 0
                }
            guard ratio > 0 else { return false }
            // The tolerance keeps sums such as ten times 0.1 (0.9999…) from owing a failure one event late.
            let owed = state.owed[site, default: 0] + ratio
            let strikes = owed >= 1 - 1e-9
            state.owed[site] = strikes ? max(0, owed - 1) : owed
            return strikes
        }
    }
}
