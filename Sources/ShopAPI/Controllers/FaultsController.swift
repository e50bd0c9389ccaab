import Hummingbird
import Logging
import ShopContract
import ShopDomain
import ShopMetrics

/// The fault switchboard: admins read and replace the faults in force. Every change is logged and shown
/// in `shop_fault_setting`, so dashboards can shade the windows a rehearsal broke things on purpose.
struct FaultsController {
    let switchboard: FaultSwitchboard
    let metrics: ShopMetrics

    var routes: RouteCollection<ShopRequestContext> {
        RouteCollection(context: ShopRequestContext.self)
            .on(.getFaults, use: get)
            .on(.setFaults, use: set)
    }

    /// `GET /v1/admin/faults`.
    @Sendable func get(_: Request, _: ShopRequestContext, _: Principal) async throws -> FaultsBody {
        return FaultsBody(switchboard.faults)
    }

    /// `PUT /v1/admin/faults`: replaces every fault, logged with who changed it.
    @Sendable func set(_ request: Request, _ context: ShopRequestContext, _ principal: Principal) async throws -> FaultsBody {
        let body = try await request.decodeJSON(FaultsBody.self, context: context)
        let faults = try body.faults.validated(knownRoutes: APIRoute.faultableTemplates)
        let previous = switchboard.faults
        switchboard.faults = faults
        metrics.faultsChanged(Self.settings(faults, clearing: previous))
        context.logger.notice(
            "fault switchboard changed",
            metadata: [
                "by": "\(principal.subject)",
                "gateway_failure_ratio": .stringConvertible(faults.gatewayFailureRatio),
                "gateway_latency_ms": .stringConvertible(faults.gatewayLatencyMilliseconds),
                "database_latency_ms": .stringConvertible(faults.databaseLatencyMilliseconds),
                "routes": .dictionary(
                    faults.routes.mapValues {
                        .dictionary([
                            "error_ratio": .stringConvertible($0.errorRatio), "latency_ms": .stringConvertible($0.latencyMilliseconds),
                        ])
                    }),
            ])
        return FaultsBody(faults)
    }

    /// Every gauge value after the change, with the routes no longer faulted set back to 0.
    static func settings(_ faults: Faults, clearing previous: Faults) -> [(fault: String, route: String, value: Double)] {
        var settings: [(fault: String, route: String, value: Double)] = [
            ("gateway_failure_ratio", "", faults.gatewayFailureRatio),
            ("gateway_latency_seconds", "", Double(faults.gatewayLatencyMilliseconds) / 1000),
            ("database_latency_seconds", "", Double(faults.databaseLatencyMilliseconds) / 1000),
        ]
        for route in Set(previous.routes.keys).union(faults.routes.keys).sorted() {
            let fault = faults.routes[route] ?? Faults.RouteFault()
            settings.append(("route_error_ratio", route, fault.errorRatio))
            settings.append(("route_latency_seconds", route, Double(fault.latencyMilliseconds) / 1000))
        }
        return settings
    }
}
