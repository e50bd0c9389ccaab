import Foundation
import HTTPTypes
import HummingbirdTesting
import PaymentGateway
import ShopAPI
import ShopAPITestSupport
import ShopContract
import ShopDomain
import ShopMetrics
import Testing

@Suite("Fault switchboard")
struct FaultSwitchboardTests {
    @Test func anAdminFailsARouteAndTheMetricsShowIt() async throws {
        let admin = try await TestApp.token("root", .admin)
        let customer = try await TestApp.token("alice", .customer)
        try await TestApp.run { client in
            let set = try await client.send(.put, "/v1/admin/faults", token: admin, json: #"{"routes":{"/v1/products/{sku}":{"error_ratio":1}}}"#)
            #expect(set.status == .ok)
            #expect(try set.json["routes"]?["/v1/products/{sku}"]?["error_ratio"]?.int == 1)
            let failed = try await client.send(.get, "/v1/products/SKU-00001").expectProblem(.internalServerError)
            #expect(failed["type"]?.string == "urn:shop:problem:injected-fault")
            #expect(try await client.send(.get, "/v1/inventory/SKU-00001").status == .ok)
            let setting = "\(MetricNames.faultSetting){fault=\"route_error_ratio\",http_route=\"/v1/products/{sku}\"}"
            #expect(try await MetricsTests.scrape(client)[setting] == 1)

            #expect(try await client.send(.put, "/v1/admin/faults", token: admin, json: "{}").status == .ok)
            #expect(try await client.send(.get, "/v1/products/SKU-00001").status == .ok)
            let samples = try await MetricsTests.scrape(client)
            #expect(samples[setting] == 0)
            #expect(samples["\(MetricNames.faultChanges)"] == 2)
            let cleared = try await client.send(.get, "/v1/admin/faults", token: admin).json
            #expect((cleared["routes"]?.value as? [String: Any])?.isEmpty == true)
            try await client.send(.put, "/v1/admin/faults", token: customer, json: "{}").expectProblem(.forbidden)
        }
    }

    @Test func aFailingGatewayNeverReachesTheGatewayAndTheOrderIsParked() async throws {
        let admin = try await TestApp.token("root", .admin)
        let customer = try await TestApp.token("alice", .customer)
        try await withSandbox { sandbox, url in
            try await TestApp.run(configure: { $0.paymentGatewayURL = url }) { client in
                _ = try await client.send(.put, "/v1/admin/faults", token: admin, json: #"{"gateway_failure_ratio":1}"#)
                let id = try #require(
                    try await client.send(.post, "/v1/orders", token: customer, json: orderJSON(("SKU-00001", 1))).json["id"]?.string)
                let payment = try await client.eventually("/v1/orders/\(id)/payment", token: customer) { $0["status"]?.string == "failed" }
                #expect(payment["status"]?.string == "failed")
                #expect(payment["last_error"]?.string?.contains("injected gateway failure") == true)
                #expect(sandbox.ledger.calls == 0)
            }
        }
    }

    @Test func addedDatabaseLatencySlowsEveryStatement() async throws {
        let admin = try await TestApp.token("root", .admin)
        try await TestApp.run { client in
            _ = try await client.send(.put, "/v1/admin/faults", token: admin, json: #"{"database_latency_ms":80}"#)
            let started = ContinuousClock.now
            #expect(try await client.send(.get, "/v1/inventory/SKU-00001").status == .ok)
            #expect(ContinuousClock.now - started >= .milliseconds(80))
        }
    }

    @Test(arguments: [
        (#"{"gateway_failure_ratio":1.5}"#, "gateway_failure_ratio"),
        (#"{"database_latency_ms":60001}"#, "database_latency_ms"),
        (#"{"gateway_latency_ms":1.5}"#, "gateway_latency_ms"),
        (#"{"routes":{"/v1/nothing":{"error_ratio":0.5}}}"#, "routes./v1/nothing"),
        (#"{"routes":{"/v1/admin/faults":{"error_ratio":1}}}"#, "routes./v1/admin/faults"),
        (#"{"routes":{"/v1/orders":{"latency_ms":-1}}}"#, "routes./v1/orders.latency_ms"),
    ])
    func badSettingsAreRefusedAndChangeNothing(_ body: String, _ field: String) async throws {
        let admin = try await TestApp.token("root", .admin)
        try await TestApp.run { client in
            let problem = try await client.send(.put, "/v1/admin/faults", token: admin, json: body).expectProblem(.unprocessableContent)
            #expect(problem["errors"]?.array.contains { $0["field"]?.string == field } == true, "\(String(describing: problem["errors"]?.value))")
            #expect(try await client.send(.get, "/v1/admin/faults", token: admin).json["gateway_failure_ratio"]?.int == 0)
        }
    }
}
