import Foundation
import HTTPTypes
import HummingbirdTesting
import PaymentGateway
import ShopAPI
import ShopDomain
import ShopTestSupport
import Testing

/// Payments cross a real HTTP hop to a sandbox gateway; these tests steer the sandbox and read its ledger.
@Suite("Payments")
struct PaymentFlowTests {
    static let alice = "alice"

    @Test func anOrderIsChargedOnceAndConfirmed() async throws {
        let token = try await TestApp.token(Self.alice, .customer)
        try await withSandbox { sandbox, url in
            try await TestApp.run(configure: { $0.paymentGatewayURL = url }) { client in
                let order = try await client.send(.post, "/v1/orders", token: token, json: orderJSON(("SKU-00001", 2))).json
                let id = try #require(order["id"]?.string)
                let payment = try await client.eventually("/v1/orders/\(id)/payment", token: token) { $0["status"]?.string == "captured" }
                #expect(payment["status"]?.string == "captured" && payment["attempts"]?.int == 1)
                #expect(try await client.send(.get, "/v1/orders/\(id)", token: token).json["status"]?.string == "confirmed")
                #expect(sandbox.ledger.captures == 1)
                #expect(sandbox.ledger.capturedMinor == Int64(order["total"]?["amount_minor"]?.int ?? -1))
            }
        }
    }

    /// Two instances on one PostgreSQL database: one that only takes orders, one that settles them.
    @Test func anInstanceWithoutSettlementLeavesThePaymentToOneThatSettles() async throws {
        let token = try await TestApp.token(Self.alice, .customer)
        try await withSandbox { sandbox, url in
            try await TestPostgres.withFreshDatabase { database in
                try await withTemporaryDirectory { directory in
                    var configuration = TestApp.configuration(dataDirectory: directory)
                    configuration.databaseURL = database
                    configuration.paymentGatewayURL = url
                    var orderTaker = configuration
                    orderTaker.settlesPayments = false
                    let settler = configuration
                    try await buildApplication(orderTaker).test(.router) { taker in
                        let id = try #require(try await taker.send(.post, "/v1/orders", token: token, json: orderJSON(("SKU-00005", 1))).json["id"]?.string)
                        // Fifteen of the settler's poll intervals: time enough for a processor to have taken it.
                        try await Task.sleep(for: .milliseconds(300))
                        #expect(try await taker.send(.get, "/v1/orders/\(id)/payment", token: token).json["status"]?.string == "pending")
                        #expect(sandbox.ledger.authorizations == 0)
                        try await buildApplication(settler).test(.router) { settler in
                            let order = try await settler.eventually("/v1/orders/\(id)", token: token) { $0["status"]?.string == "confirmed" }
                            #expect(order["status"]?.string == "confirmed")
                            #expect(sandbox.ledger.captures == 1)
                        }
                    }
                }
            }
        }
    }

    @Test func aDeclinedPaymentFailsTheOrderAndReturnsItsStock() async throws {
        let token = try await TestApp.token(Self.alice, .customer)
        try await withSandbox(.init(declineRatio: 1)) { sandbox, url in
            try await TestApp.run(configure: { $0.paymentGatewayURL = url }) { client in
                let before = try await client.send(.get, "/v1/inventory/SKU-00002").json["quantity"]?.int
                let id = try #require(try await client.send(.post, "/v1/orders", token: token, json: orderJSON(("SKU-00002", 3))).json["id"]?.string)
                let order = try await client.eventually("/v1/orders/\(id)", token: token) { $0["status"]?.string == "payment_failed" }
                #expect(order["status"]?.string == "payment_failed")
                let payment = try await client.send(.get, "/v1/orders/\(id)/payment", token: token).json
                #expect(payment["status"]?.string == "declined" && payment["attempts"]?.int == 1)
                #expect(try await client.send(.get, "/v1/inventory/SKU-00002").json["quantity"]?.int == before)
                #expect(sandbox.ledger.captures == 0 && sandbox.ledger.declines == 1)
            }
        }
    }

    @Test func aFailingGatewayIsRetriedWithBackoffThenTheOrderIsParked() async throws {
        let token = try await TestApp.token(Self.alice, .customer)
        try await withSandbox(.init(failureRatio: 1)) { sandbox, url in
            try await TestApp.run(configure: { $0.paymentGatewayURL = url }) { client in
                let id = try #require(try await client.send(.post, "/v1/orders", token: token, json: orderJSON(("SKU-00003", 1))).json["id"]?.string)
                let payment = try await client.eventually("/v1/orders/\(id)/payment", token: token) { $0["status"]?.string == "failed" }
                #expect(payment["status"]?.string == "failed")
                #expect(payment["attempts"]?.int == 3)
                #expect(payment["last_error"]?.string?.contains("3 attempts failed") == true)
                #expect(try await client.send(.get, "/v1/orders/\(id)", token: token).json["status"]?.string == "payment_failed")
                #expect(sandbox.ledger.captures == 0)
            }
        }
    }

    @Test func aResponseLostToATimeoutIsRetriedWithoutChargingTwice() async throws {
        let token = try await TestApp.token(Self.alice, .customer)
        // Every call takes longer than the client waits: the gateway authorises and captures, the shop never hears.
        try await withSandbox(.init(latencyMilliseconds: 400)) { sandbox, url in
            try await TestApp.run(configure: {
                $0.paymentGatewayURL = url
                $0.paymentGatewayTimeout = .milliseconds(100)
                $0.paymentRetry = RetryPolicy(maxAttempts: 10, initialDelayMilliseconds: 300, multiplier: 1, maxDelayMilliseconds: 300)
            }) { client in
                let id = try #require(try await client.send(.post, "/v1/orders", token: token, json: orderJSON(("SKU-00004", 1))).json["id"]?.string)
                try await Task.sleep(for: .milliseconds(1_200))
                sandbox.settings = .init(latencyMilliseconds: 0)
                let payment = try await client.eventually("/v1/orders/\(id)/payment", token: token) { $0["status"]?.string == "captured" }
                #expect(payment["status"]?.string == "captured")
                #expect((payment["attempts"]?.int ?? 0) >= 2)
                #expect(sandbox.ledger.authorizations == 1)
                #expect(sandbox.ledger.captures == 1)
            }
        }
    }

    @Test func anAdminRefundsAConfirmedOrderThroughTheGateway() async throws {
        let customer = try await TestApp.token(Self.alice, .customer)
        let admin = try await TestApp.token("root", .admin)
        try await withSandbox { sandbox, url in
            try await TestApp.run(configure: { $0.paymentGatewayURL = url }) { client in
                let before = try await client.send(.get, "/v1/inventory/SKU-00005").json["quantity"]?.int
                let id = try #require(try await client.send(.post, "/v1/orders", token: customer, json: orderJSON(("SKU-00005", 2))).json["id"]?.string)
                _ = try await client.eventually("/v1/orders/\(id)", token: customer) { $0["status"]?.string == "confirmed" }
                try await client.send(.post, "/v1/orders/\(id)/refund", token: customer).expectProblem(.forbidden)
                let refunded = try await client.send(.post, "/v1/orders/\(id)/refund", token: admin)
                #expect(refunded.status == .ok)
                #expect(try refunded.json["status"]?.string == "refunded")
                #expect(try await client.send(.get, "/v1/inventory/SKU-00005").json["quantity"]?.int == before)
                let payment = try await client.eventually("/v1/orders/\(id)/payment", token: customer) { $0["status"]?.string == "refunded" }
                #expect(payment["status"]?.string == "refunded")
                #expect(sandbox.ledger.refunds == 1 && sandbox.ledger.refundedMinor == sandbox.ledger.capturedMinor)
                try await client.send(.post, "/v1/orders/\(id)/refund", token: admin).expectProblem(.conflict)
            }
        }
    }

    @Test func theInProcessSandboxServesWhenNoGatewayIsConfigured() async throws {
        let token = try await TestApp.token(Self.alice, .customer)
        try await TestApp.run { client in
            let id = try #require(try await client.send(.post, "/v1/orders", token: token, json: orderJSON(("SKU-00006", 1))).json["id"]?.string)
            let order = try await client.eventually("/v1/orders/\(id)", token: token) { $0["status"]?.string == "confirmed" }
            #expect(order["status"]?.string == "confirmed")
        }
    }
}
