import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ShopAPI
import ShopAPITestSupport
import ShopDomain
import ShopTestSupport
import Testing

/// A PostgreSQL server of the test's own, stopped and started again under a running API.
@Suite("Database outage", .enabled(if: TestPostgres.enabled, Comment(rawValue: TestPostgres.skipMessage)))
struct DatabaseOutageTests {
    static let script = "scripts/throwaway-postgres"

    @Test func postgresStoppedMeans503sWithinASecondThenRecoveryWithinFiveOfItsReturn() async throws {
        let directory = "/tmp/shop-outage-\(UUID().uuidString)"
        let port = try TestTools.freePort()
        let (status, output) = try await TestTools.run(Self.script, ["start", directory, "\(port)"])
        try #require(status == 0, "could not start PostgreSQL: \(output)")
        do {
            try await outageAndRecovery(url: output.trimmingCharacters(in: .whitespacesAndNewlines), directory: directory, port: port)
        } catch {
            _ = try? await TestTools.run(Self.script, ["stop", directory])
            throw error
        }
        _ = try await TestTools.run(Self.script, ["stop", directory])
    }

    private func outageAndRecovery(url: String, directory: String, port: Int) async throws {
        let customer = try await TestApp.token("alice", .customer)

        try await withTemporaryDirectory { data in
            var configuration = TestApp.configuration(dataDirectory: data)
            configuration.databaseURL = url
            configuration.demoCatalogSize = 20
            try await buildApplication(configuration).test(.router) { client in
                #expect(try await client.send(.get, "/readyz").status == .ok)
                #expect(try await client.send(.get, "/v1/orders", token: customer).status == .ok)

                let halted = try await TestTools.run(Self.script, ["halt", directory])
                #expect(halted.0 == 0, "\(halted.1)")
                for (uri, token) in [("/readyz", nil), ("/v1/orders", customer), ("/v1/orders/0190b8a0-0000-7000-8000-000000000000", customer)] {
                    let start = ContinuousClock.now
                    let response = try await client.send(.get, uri, token: token)
                    #expect(ContinuousClock.now - start < .seconds(1), "\(uri) answered after \(ContinuousClock.now - start)")
                    #expect(response.status == .serviceUnavailable, "\(uri)")
                    #expect(response.headers[.retryAfter] != nil && response.headers[.contentType] == "application/problem+json", "\(uri)")
                }
                let placed = try await client.send(.post, "/v1/orders", token: customer, json: orderJSON(("SKU-00001", 1)))
                #expect(placed.status == .serviceUnavailable)

                // Long enough for postgres-nio's own reconnection backoff (100 ms × 1.25ⁿ) to pass the five
                // seconds allowed: only a fresh pool gets back in time.
                try await Task.sleep(for: .seconds(25))
                let resumed = try await TestTools.run(Self.script, ["resume", directory, "\(port)"])
                #expect(resumed.0 == 0, "\(resumed.1)")
                let back = ContinuousClock.now
                var ready = false
                while !ready, ContinuousClock.now - back < .seconds(10) {
                    ready = try await client.send(.get, "/readyz").status == .ok
                    if !ready { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(ready && ContinuousClock.now - back < .seconds(5), "ready again after \(ContinuousClock.now - back)")
                let after = try await client.send(.post, "/v1/orders", token: customer, json: orderJSON(("SKU-00001", 1)))
                #expect(after.status == .created, "\(after.status): \(String(buffer: after.body))")
            }
        }
    }
}
