import HTTPTypes
import HummingbirdTesting
import ShopAPITestSupport
import ShopContract
import ShopDomain
import ShopMetrics
import ShopTestSupport
import Testing

@testable import ShopAPI

@Suite("Rate limits")
struct RateLimitRouteTests {
    @Test func overThreeAMinuteTheFourthRequestIsA429WithItsHeaders() async throws {
        let alice = try await TestApp.token("alice", .customer)
        let bob = try await TestApp.token("bob", .customer)
        try await TestApp.run(configure: { $0.rateLimits.perUser = RateLimit(parsing: "3/min") }) { client in
            var responses: [TestResponse] = []
            for _ in 0..<4 { responses.append(try await client.send(.get, "/v1/orders", token: alice)) }
            #expect(responses.map(\.status.code) == [200, 200, 200, 429])
            #expect(responses[0].headers[.rateLimitLimit] == "3" && responses[0].headers[.rateLimitRemaining] == "2")
            let refused = responses[3]
            let problem = try refused.expectProblem(.tooManyRequests)
            // 3 a minute: one comes back 20 s after the first was used, less the time the four took.
            #expect((1...20).contains(Int(refused.headers[.retryAfter] ?? "") ?? 0) && refused.headers[.rateLimitRemaining] == "0")
            #expect(problem["type"]?.string == "urn:shop:problem:rate-limited")

            #expect(try await client.send(.get, "/v1/orders", token: bob).status == .ok)
            for _ in 0..<10 { #expect(try await client.send(.get, "/healthz").status == .ok) }
            let samples = try await MetricsTests.scrape(client)
            #expect(samples["\(MetricNames.rateLimitDecisions){scope=\"user\",decision=\"limited\"}"] == 1)
            #expect(samples["\(MetricNames.rateLimitDecisions){scope=\"user\",decision=\"allowed\"}"] == 4)
        }
    }

    @Test func placingOrdersHasATighterLimitOfItsOwn() async throws {
        let alice = try await TestApp.token("alice", .customer)
        try await TestApp.run(configure: { $0.rateLimits.perRoute[.placeOrder] = RateLimit(parsing: "2/min") }) { client in
            var codes: [Int] = []
            for _ in 0..<3 { codes.append(try await client.send(.post, "/v1/orders", token: alice, json: orderJSON(("SKU-00001", 1))).status.code) }
            #expect(codes == [201, 201, 429])
            // Reads by the same customer are still within the per-user limit.
            #expect(try await client.send(.get, "/v1/orders", token: alice).status == .ok)
        }
    }

    @Test func anonymousCallersAreLimitedByAddressOnARealSocket() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = TestApp.configuration(dataDirectory: directory)
            configuration.rateLimits.perAddress = RateLimit(parsing: "2/min")
            try await buildApplication(configuration).test(.live) { client in
                var codes: [Int] = []
                for _ in 0..<3 { codes.append(Int(try await client.execute(uri: "/v1/products/SKU-00001", method: .get).status.code)) }
                #expect(codes == [200, 200, 429])
                #expect(try await client.execute(uri: "/metrics", method: .get).status == .ok)
            }
        }
    }
}
