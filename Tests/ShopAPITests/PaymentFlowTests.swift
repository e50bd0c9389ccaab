import Foundation
import HTTPTypes
import HummingbirdTesting
import PaymentGateway
import ShopAPI
import ShopAPITestSupport
import ShopDomain
import ShopStore
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
                        let id = try #require(
                            try await taker.send(.post, "/v1/orders", token: token, json: orderJSON(("SKU-00005", 1))).json["id"]?.string)
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

    /// A backlog several times the processor's window, left by an instance that does not settle, with a
    /// quarter of the cards declined: the settler keeps its window full and records outcomes in batches,
    /// and every payment is charged exactly once, every order ends confirmed or failed with its payment,
    /// and only the confirmed orders keep their stock.
    @Test(.enabled(if: TestPostgres.enabled, Comment(rawValue: TestPostgres.skipMessage)))
    func aBacklogLargerThanTheWindowSettlesEveryPaymentOnce() async throws {
        let count = 400, skus = 16
        try await withSandbox(.init(declineRatio: 0.25)) { sandbox, url in
            try await TestPostgres.withFreshDatabase { database in
                try await withTemporaryDirectory { directory in
                    var configuration = TestApp.configuration(dataDirectory: directory)
                    configuration.databaseURL = database
                    configuration.paymentGatewayURL = url
                    configuration.rateLimits = .off
                    var orderTaker = configuration
                    orderTaker.settlesPayments = false
                    let catalog = configuration.resolvedDemoCatalogSize
                    let token = try await TestApp.token(Self.alice, .customer)
                    try await buildApplication(orderTaker).test(.router) { taker in
                        for index in 0..<count {
                            let sku = String(format: "SKU-%05d", 1 + index % skus)
                            let status = try await taker.send(.post, "/v1/orders", token: token, json: orderJSON((sku, 1))).status
                            #expect(status == .created)
                        }
                    }
                    try await buildApplication(configuration).test(.router) { _ in
                        try await withPostgresDatabase(database, maximumConnections: 2) { db in
                            let deadline = ContinuousClock.now + .seconds(60)
                            while try await db.query("SELECT COUNT(*) FROM payments WHERE status = 'pending'").first?.int(0) != 0,
                                ContinuousClock.now < deadline
                            {
                                try await Task.sleep(for: .milliseconds(100))
                            }
                            let ledger = sandbox.ledger
                            // One call per payment (a sale: authorised and captured at once): nothing charged twice.
                            #expect(ledger.captures + ledger.declines == count && ledger.calls == count, "\(ledger)")
                            #expect(ledger.declines > 0 && ledger.repeatedCaptures == 0, "\(ledger)")
                            let statuses = Dictionary(
                                uniqueKeysWithValues: try await db.query(
                                    "SELECT o.status || '/' || p.status, COUNT(*) FROM orders o JOIN payments p ON p.order_id = o.id GROUP BY 1"
                                ).map { (try $0.text(0), Int(try $0.int(1))) })
                            #expect(statuses == ["confirmed/captured": ledger.captures, "payment_failed/declined": ledger.declines], "\(statuses)")
                            // Every SKU's stock is back by its failed orders: reserved = its confirmed orders.
                            let seeded = Dictionary(uniqueKeysWithValues: DemoCatalog.entries(count: catalog).map { ($0.product.sku.code, $0.stock) })
                            let reserved = try await db.query(
                                """
                                SELECT i.sku, i.quantity, (SELECT COUNT(*) FROM order_items l JOIN orders o ON o.id = l.order_id
                                    WHERE l.sku = i.sku AND o.status = 'confirmed')
                                FROM inventory i ORDER BY i.sku
                                """
                            ).map { (sku: try $0.text(0), taken: (seeded[try $0.text(0)] ?? -1) - (try $0.int(1)), confirmed: try $0.int(2)) }
                            #expect(reserved.count == catalog && reserved.allSatisfy { $0.taken == $0.confirmed }, "\(reserved)")
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
                // Room for retries after the gateway is fast again: at 10 attempts, a loaded full suite once kept even the
                // fast answers over the 100 ms timeout until the attempts ran out.
                $0.paymentRetry = RetryPolicy(maxAttempts: 30, initialDelayMilliseconds: 300, multiplier: 1, maxDelayMilliseconds: 300)
                // The breaker is not what this tests: five timeouts before the gateway is fast again (a loaded
                // suite's timing) opened it for its default 10 s, past the wait below, and the payment was
                // still pending when it ended.
                $0.paymentBreakerOpenDuration = .milliseconds(50)
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
                let id = try #require(
                    try await client.send(.post, "/v1/orders", token: customer, json: orderJSON(("SKU-00005", 2))).json["id"]?.string)
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
