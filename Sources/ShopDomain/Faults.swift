import Synchronization

/// Faults to inject while the service runs, for rehearsals and game days: the gateway failing or slow, the
/// database slow, one route failing or slow. All zero means none.
public struct Faults: Sendable, Equatable, Codable {
    public struct RouteFault: Sendable, Equatable, Codable {
        public var errorRatio: Double
        public var latencyMilliseconds: Int

        public init(errorRatio: Double = 0, latencyMilliseconds: Int = 0) {
            self.errorRatio = errorRatio
            self.latencyMilliseconds = latencyMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case errorRatio = "error_ratio", latencyMilliseconds = "latency_ms"
        }
    }

    public var gatewayFailureRatio: Double
    public var gatewayLatencyMilliseconds: Int
    public var databaseLatencyMilliseconds: Int
    /// By route template.
    public var routes: [String: RouteFault]

    public init(gatewayFailureRatio: Double = 0, gatewayLatencyMilliseconds: Int = 0, databaseLatencyMilliseconds: Int = 0, routes: [String: RouteFault] = [:]) {
        self.gatewayFailureRatio = gatewayFailureRatio
        self.gatewayLatencyMilliseconds = gatewayLatencyMilliseconds
        self.databaseLatencyMilliseconds = databaseLatencyMilliseconds
        self.routes = routes
    }

    public static let maxLatencyMilliseconds = 60_000

    /// Ratios in 0…1, latencies in 0…60 s, routes among `knownRoutes`.
    public func validated(knownRoutes: Set<String>) throws(ShopError) -> Faults {
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

/// The faults in force, read by every place that injects one and changed by the admin endpoint.
public final class FaultSwitchboard: Sendable {
    private let current = Mutex(Faults())

    public init() {}

    public var faults: Faults {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }

    /// Whether an event with probability `ratio` happens this time.
    public static func strikes(_ ratio: Double) -> Bool {
        ratio > 0 && (ratio >= 1 || Double.random(in: 0..<1) < ratio)
    }
}
