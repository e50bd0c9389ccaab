import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import ShopAPI
import ShopAPITestSupport
import ShopDomain
import ShopTestSupport
import Testing

@Suite("Routes")
struct RouteTests {
    @Test func healthReadinessAndTheOpenAPIDocument() async throws {
        try await TestApp.run { client in
            let health = try await client.send(.get, "/healthz")
            #expect(health.status == .ok)
            #expect(try health.json["status"]?.string == "ok")
            let ready = try await client.send(.get, "/readyz")
            #expect(ready.status == .ok)
            #expect(try ready.json["status"]?.string == "ready")
            let spec = try await client.send(.get, "/openapi.yaml")
            #expect(spec.status == .ok && spec.headers[.contentType] == "application/yaml")
            #expect(String(buffer: spec.body).hasPrefix("openapi: 3.1.0"))
        }
    }

    @Test func theCatalogIsPublicAndPagedBySKU() async throws {
        try await TestApp.run { client in
            let first = try await client.send(.get, "/v1/products?limit=15")
            #expect(first.status == .ok)
            let page1 = try first.json
            #expect(page1["items"]?.array.map { $0["sku"]?.string } == (1...15).map { String(format: "SKU-%05d", $0) })
            let cursor = try #require(page1["next_cursor"]?.string)
            let page2 = try await client.send(.get, "/v1/products?limit=15&cursor=\(cursor)").json
            #expect(page2["items"]?[0]?["sku"]?.string == "SKU-00016")
            let last = try await client.send(.get, "/v1/products?limit=100").json
            #expect(last["items"]?.array.count == 40 && last["next_cursor"]?.isNull == true)

            let product = try await client.send(.get, "/v1/products/SKU-00001").json
            let expected = DemoCatalog.entries(count: 1)[0]
            #expect(product["name"]?.string == expected.product.name)
            #expect(product["price"]?["amount_minor"]?.int == Int(expected.product.price.minorUnits))
            #expect(product["price"]?["currency"]?.string == "EUR")
            let stock = try await client.send(.get, "/v1/inventory/SKU-00001").json
            #expect(stock["quantity"]?.int == Int(expected.stock))
        }
    }

    @Test func aCustomerPlacesReadsListsAndCancelsAnOrder() async throws {
        let alice = try await TestApp.token("alice", .customer)
        let bob = try await TestApp.token("bob", .customer)
        let admin = try await TestApp.token("root", .admin)
        let warehouse = try await TestApp.token("w1", .warehouse)
        try await TestApp.run { client in
            let stockBefore = try await client.send(.get, "/v1/inventory/SKU-00002").json["quantity"]?.int ?? -1
            let placed = try await client.send(.post, "/v1/orders", token: alice, json: orderJSON(("SKU-00002", 2), ("SKU-00003", 1)))
            #expect(placed.status == .created)
            let order = try placed.json
            let id = try #require(order["id"]?.string)
            #expect(placed.headers[.location] == "/v1/orders/\(id)")
            #expect(order["status"]?.string == "pending" && order["customer_id"]?.string == "alice")
            let prices = DemoCatalog.entries(count: 3).map { Int($0.product.price.minorUnits) }
            #expect(order["total"]?["amount_minor"]?.int == 2 * prices[1] + prices[2])
            #expect(order["items"]?[0]?["line_total"]?["amount_minor"]?.int == 2 * prices[1])
            #expect(try await client.send(.get, "/v1/inventory/SKU-00002").json["quantity"]?.int == stockBefore - 2)

            #expect(try await client.send(.get, "/v1/orders/\(id)", token: alice).status == .ok)
            #expect(try await client.send(.get, "/v1/orders/\(id)", token: admin).status == .ok)
            try await client.send(.get, "/v1/orders/\(id)", token: bob).expectProblem(.notFound)
            try await client.send(.get, "/v1/orders/\(id)", token: warehouse).expectProblem(.forbidden)
            try await client.send(.get, "/v1/orders/\(id)").expectProblem(.unauthorized)
            try await client.send(.post, "/v1/orders/\(id)/cancel", token: bob).expectProblem(.notFound)

            let mine = try await client.send(.get, "/v1/orders", token: alice).json
            #expect(mine["items"]?.array.map { $0["id"]?.string } == [id])
            #expect(try await client.send(.get, "/v1/orders", token: bob).json["items"]?.array.isEmpty == true)

            let cancelled = try await client.send(.post, "/v1/orders/\(id)/cancel", token: alice)
            #expect(cancelled.status == .ok)
            #expect(try cancelled.json["status"]?.string == "cancelled")
            #expect(try await client.send(.get, "/v1/inventory/SKU-00002").json["quantity"]?.int == stockBefore)
            let again = try await client.send(.post, "/v1/orders/\(id)/cancel", token: alice).expectProblem(.conflict)
            #expect(again["detail"]?.string == "cannot cancel a order that is cancelled")
        }
    }

    @Test func anIdempotencyKeyAnswersTheFirstResponseAgain() async throws {
        let alice = try await TestApp.token("alice", .customer)
        try await TestApp.run { client in
            let key: HTTPFields = [.init("Idempotency-Key")!: "checkout-42"]
            let first = try await client.send(.post, "/v1/orders", token: alice, json: orderJSON(("SKU-00004", 1)), headers: key)
            let second = try await client.send(.post, "/v1/orders", token: alice, json: orderJSON(("SKU-00004", 1)), headers: key)
            #expect(first.status == .created && second.status == .created)
            #expect(first.body == second.body)
            #expect(second.headers[.init("Idempotent-Replayed")!] == "true" && first.headers[.init("Idempotent-Replayed")!] == nil)
            #expect(try await client.send(.get, "/v1/orders", token: alice).json["items"]?.array.count == 1)
            let other = try await client.send(.post, "/v1/orders", token: alice, json: orderJSON(("SKU-00004", 2)), headers: key)
            #expect(try other.expectProblem(.unprocessableContent)["type"]?.string == "urn:shop:problem:idempotency-key-reused")
        }
    }

    @Test func theWarehouseSetsAdjustsAndPicksStock() async throws {
        let warehouse = try await TestApp.token("w1", .warehouse)
        let customer = try await TestApp.token("c1", .customer)
        try await TestApp.run { client in
            let set = try await client.send(.put, "/v1/inventory/SKU-00005", token: warehouse, json: #"{"quantity":10,"reason":"delivery"}"#)
            #expect(set.status == .ok)
            #expect(try set.json["quantity"]?.int == 10)
            let adjusted = try await client.send(
                .post, "/v1/inventory/SKU-00005/adjustments", token: warehouse, json: #"{"delta":-3,"reason":"damaged"}"#)
            #expect(try adjusted.json["quantity"]?.int == 7)
            let picked = try await client.send(
                .post, "/v1/inventory/SKU-00005/picks", token: warehouse, json: #"{"quantity":7,"reference":"tote-9"}"#)
            #expect(try picked.json["quantity"]?.int == 0)
            let refused = try await client.send(.post, "/v1/inventory/SKU-00005/picks", token: warehouse, json: #"{"quantity":1}"#).expectProblem(
                .conflict)
            #expect(refused["sku"]?.string == "SKU-00005" && refused["available"]?.int == 0 && refused["requested"]?.int == 1)
            try await client.send(.put, "/v1/inventory/SKU-00005", token: customer, json: #"{"quantity":10,"reason":"x"}"#).expectProblem(.forbidden)
            let anonymous = try await client.send(.put, "/v1/inventory/SKU-00005", json: #"{"quantity":10,"reason":"x"}"#)
            try anonymous.expectProblem(.unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer realm=\"shop-api\"")
            try await client.send(.put, "/v1/inventory/NO-SUCH-SKU", token: warehouse, json: #"{"quantity":1,"reason":"x"}"#).expectProblem(.notFound)
        }
    }

    @Test(arguments: StoreKind.tested)
    func twoHundredConcurrentOrdersForFiftyUnitsThroughTheAPI(_ kind: StoreKind) async throws {
        let warehouse = try await TestApp.token("w1", .warehouse)
        var tokens: [String] = []
        for i in 0..<20 { tokens.append(try await TestApp.token("c\(i)", .customer)) }
        let customers = tokens
        try await TestApp.run(kind) { client in
            _ = try await client.send(.put, "/v1/inventory/SKU-00006", token: warehouse, json: #"{"quantity":50,"reason":"flash sale"}"#)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<200 {
                    group.addTask { try await client.send(.post, "/v1/orders", token: customers[i % 20], json: orderJSON(("SKU-00006", 1))).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            // Every order queues on one stock row; on PostgreSQL each holds it for one call of place_order,
            // so on a healthy database none waits out its lease and none is shed with a 503.
            #expect(statuses.filter { $0 == .created }.count == 50)
            #expect(statuses.filter { $0 == .conflict }.count == 150, "\(statuses.filter { $0 != .created && $0 != .conflict })")
            #expect(try await client.send(.get, "/v1/inventory/SKU-00006").json["quantity"]?.int == 0)
        }
    }

    @Test func anExpiredOrForgedTokenIsRefused() async throws {
        let expired = try await TestApp.token("alice", .customer, lifetime: 60, now: Date().addingTimeInterval(-3600))
        let forged = try await TokenAuthority(secret: "another-secret-0123456789-0123456789abcdef").mint(subject: "alice", role: .admin)
        try await TestApp.run { client in
            #expect(
                try await client.send(.get, "/v1/orders", token: expired).expectProblem(.unauthorized)["detail"]?.string == "the token has expired")
            #expect(
                try await client.send(.get, "/v1/orders", token: forged).expectProblem(.unauthorized)["detail"]?.string == "the token is not valid")
            try await client.send(.get, "/v1/orders", headers: [.authorization: "Basic YWxpY2U6cHc="]).expectProblem(.unauthorized)
        }
    }
}
