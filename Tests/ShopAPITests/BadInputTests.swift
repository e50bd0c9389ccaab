import HTTPTypes
import HummingbirdTesting
import NIOCore
import ShopAPITestSupport
import ShopDomain
import Testing

/// What a client can get wrong, and the problem each mistake earns. None may produce a 5xx.
@Suite("Bad input")
struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let method: HTTPRequest.Method
        let path: String
        let role: Role?
        let body: String?
        var contentType = "application/json"
        var extraHeaders: [String: String] = [:]
        let status: HTTPResponse.Status
        /// The field a 422 must name, if any.
        var field: String?
        /// What the 422 must say of that field, if checked.
        var message: String?

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", method: .post, path: "/v1/orders", role: .customer, body: "{\"items\": [", status: .badRequest),
        Case(name: "not JSON at all", method: .post, path: "/v1/orders", role: .customer, body: "items=1", status: .badRequest),
        Case(
            name: "form content type", method: .post, path: "/v1/orders", role: .customer, body: "{}",
            contentType: "application/x-www-form-urlencoded", status: .unsupportedMediaType),
        Case(
            name: "body over the limit", method: .post, path: "/v1/orders", role: .customer,
            body: "{\"items\":[" + String(repeating: " ", count: 70_000) + "]}", status: .contentTooLarge),
        Case(name: "no items key", method: .post, path: "/v1/orders", role: .customer, body: "{}", status: .unprocessableContent, field: "items"),
        Case(
            name: "items not an array", method: .post, path: "/v1/orders", role: .customer, body: "{\"items\":\"SKU-00001\"}",
            status: .unprocessableContent, field: "items"),
        Case(
            name: "a JSON array for a body", method: .post, path: "/v1/orders", role: .customer, body: "[]", status: .unprocessableContent,
            field: "body", message: "must be an object"),
        Case(
            name: "items an object", method: .post, path: "/v1/orders", role: .customer, body: "{\"items\":{}}", status: .unprocessableContent,
            field: "items", message: "must be an array"),
        Case(
            name: "items a boolean", method: .post, path: "/v1/orders", role: .customer, body: "{\"items\":true}", status: .unprocessableContent,
            field: "items", message: "must be an array"),
        Case(
            name: "a line a number", method: .post, path: "/v1/orders", role: .customer, body: "{\"items\":[7]}", status: .unprocessableContent,
            field: "items[0]", message: "must be an object"),
        Case(
            name: "reason a number", method: .put, path: "/v1/inventory/SKU-00001", role: .warehouse, body: "{\"quantity\":1,\"reason\":5}",
            status: .unprocessableContent, field: "reason", message: "must be a string"),
        Case(
            name: "empty items", method: .post, path: "/v1/orders", role: .customer, body: "{\"items\":[]}", status: .unprocessableContent,
            field: "items"),
        Case(
            name: "quantity zero", method: .post, path: "/v1/orders", role: .customer, body: orderJSON(("SKU-00001", 0)),
            status: .unprocessableContent, field: "items[0].quantity"),
        Case(
            name: "quantity negative", method: .post, path: "/v1/orders", role: .customer, body: orderJSON(("SKU-00001", -5)),
            status: .unprocessableContent, field: "items[0].quantity"),
        Case(
            name: "quantity past Int64", method: .post, path: "/v1/orders", role: .customer,
            body: "{\"items\":[{\"sku\":\"SKU-00001\",\"quantity\":99999999999999999999}]}", status: .unprocessableContent, field: "items[0].quantity"
        ),
        Case(
            name: "quantity a fraction", method: .post, path: "/v1/orders", role: .customer,
            body: "{\"items\":[{\"sku\":\"SKU-00001\",\"quantity\":1.5}]}", status: .unprocessableContent, field: "items[0].quantity"),
        Case(
            name: "quantity a string", method: .post, path: "/v1/orders", role: .customer,
            body: "{\"items\":[{\"sku\":\"SKU-00001\",\"quantity\":\"2\"}]}", status: .unprocessableContent, field: "items[0].quantity"),
        Case(
            name: "sku null", method: .post, path: "/v1/orders", role: .customer, body: "{\"items\":[{\"sku\":null,\"quantity\":1}]}",
            status: .unprocessableContent, field: "items[0].sku"),
        Case(
            name: "sku malformed", method: .post, path: "/v1/orders", role: .customer, body: orderJSON(("sku 1; DROP TABLE orders", 1)),
            status: .unprocessableContent, field: "items[0].sku"),
        Case(
            name: "sku unknown", method: .post, path: "/v1/orders", role: .customer, body: orderJSON(("SKU-00001", 1), ("SKU-99999", 1)),
            status: .unprocessableContent, field: "items[1].sku"),
        Case(
            name: "sku repeated", method: .post, path: "/v1/orders", role: .customer, body: orderJSON(("SKU-00001", 1), ("SKU-00001", 2)),
            status: .unprocessableContent, field: "items[1].sku"),
        Case(
            name: "more units than stock", method: .post, path: "/v1/orders", role: .customer, body: orderJSON(("SKU-00001", 10_000)),
            status: .conflict),
        Case(
            name: "idempotency key with spaces", method: .post, path: "/v1/orders", role: .customer, body: orderJSON(("SKU-00001", 1)),
            extraHeaders: ["Idempotency-Key": "a b"], status: .badRequest),
        Case(
            name: "idempotency key too long", method: .post, path: "/v1/orders", role: .customer, body: orderJSON(("SKU-00001", 1)),
            extraHeaders: ["Idempotency-Key": String(repeating: "k", count: 256)], status: .badRequest),
        Case(name: "order as warehouse", method: .post, path: "/v1/orders", role: .warehouse, body: orderJSON(("SKU-00001", 1)), status: .forbidden),
        Case(name: "order anonymously", method: .post, path: "/v1/orders", role: nil, body: orderJSON(("SKU-00001", 1)), status: .unauthorized),
        Case(name: "limit zero", method: .get, path: "/v1/products?limit=0", role: nil, body: nil, status: .unprocessableContent, field: "limit"),
        Case(
            name: "limit too large", method: .get, path: "/v1/products?limit=101", role: nil, body: nil, status: .unprocessableContent, field: "limit"
        ),
        Case(
            name: "limit not a number", method: .get, path: "/v1/orders?limit=abc", role: .customer, body: nil, status: .unprocessableContent,
            field: "limit"),
        Case(
            name: "cursor forged", method: .get, path: "/v1/products?cursor=%25%25", role: nil, body: nil, status: .unprocessableContent,
            field: "cursor"),
        Case(name: "product unknown", method: .get, path: "/v1/products/SKU-99999", role: nil, body: nil, status: .notFound),
        Case(name: "product id not a SKU", method: .get, path: "/v1/products/%00%FF", role: nil, body: nil, status: .notFound),
        Case(name: "order id not an id", method: .get, path: "/v1/orders/1%20OR%201=1", role: .customer, body: nil, status: .notFound),
        Case(
            name: "order unknown", method: .get, path: "/v1/orders/018bcfe5-6800-7000-8000-000000000000", role: .admin, body: nil, status: .notFound),
        Case(
            name: "stock below zero", method: .put, path: "/v1/inventory/SKU-00001", role: .warehouse, body: "{\"quantity\":-1,\"reason\":\"x\"}",
            status: .unprocessableContent, field: "quantity"),
        Case(
            name: "stock without reason", method: .put, path: "/v1/inventory/SKU-00001", role: .warehouse, body: "{\"quantity\":1}",
            status: .unprocessableContent, field: "reason"),
        Case(
            name: "adjust by zero", method: .post, path: "/v1/inventory/SKU-00001/adjustments", role: .warehouse,
            body: "{\"delta\":0,\"reason\":\"x\"}", status: .unprocessableContent, field: "delta"),
        Case(
            name: "adjust below zero", method: .post, path: "/v1/inventory/SKU-00001/adjustments", role: .warehouse,
            body: "{\"delta\":-1000000,\"reason\":\"x\"}", status: .conflict),
        Case(
            name: "adjust past the maximum", method: .post, path: "/v1/inventory/SKU-00001/adjustments", role: .warehouse,
            body: "{\"delta\":1000000000,\"reason\":\"x\"}", status: .unprocessableContent, field: "delta"),
        Case(
            name: "pick zero", method: .post, path: "/v1/inventory/SKU-00001/picks", role: .admin, body: "{\"quantity\":0}",
            status: .unprocessableContent, field: "quantity"),
        Case(
            name: "refund as customer", method: .post, path: "/v1/orders/018bcfe5-6800-7000-8000-000000000000/refund", role: .customer, body: nil,
            status: .forbidden),
        Case(name: "unknown route", method: .get, path: "/v1/nothing-here", role: nil, body: nil, status: .notFound),
        Case(name: "wrong method", method: .delete, path: "/v1/orders", role: .customer, body: nil, status: .methodNotAllowed),
        Case(
            name: "wrong method on a template", method: .patch, path: "/v1/inventory/SKU-00001", role: .warehouse, body: nil,
            status: .methodNotAllowed),
    ]

    @Test(arguments: cases)
    func badInputGetsAProblem(_ input: Case) async throws {
        let token: String? = if let role = input.role { try await TestApp.token("someone", role) } else { nil }
        try await TestApp.run { client in
            var headers: HTTPFields = [:]
            for (name, value) in input.extraHeaders { headers[HTTPField.Name(name)!] = value }
            if input.body != nil { headers[.contentType] = input.contentType }
            let response = try await client.send(input.method, input.path, token: token, json: input.body, headers: headers)
            let problem = try response.expectProblem(input.status)
            if let field = input.field {
                #expect(
                    problem["errors"]?.array.contains { $0["field"]?.string == field } == true,
                    "errors: \(String(describing: problem["errors"]?.value))")
            }
            if let message = input.message {
                #expect(
                    problem["errors"]?.array.contains { $0["message"]?.string == message } == true,
                    "errors: \(String(describing: problem["errors"]?.value))")
            }
            // The API's own words: never a Swift type's name.
            let text = String(buffer: response.body)
            for swiftName in ["Dictionary", "Array<", "Swift.", "Optional", "Int64", "CodingKeys"] {
                #expect(!text.contains(swiftName), "\(text)")
            }
            if input.status == .methodNotAllowed {
                #expect(response.headers[.allow]?.isEmpty == false)
            }
        }
    }

    @Test func aRefusedOrderChangesNothing() async throws {
        let token = try await TestApp.token("someone", .customer)
        try await TestApp.run { client in
            let before = try await client.send(.get, "/v1/inventory/SKU-00001").json["quantity"]?.int
            for input in Self.cases where input.path == "/v1/orders" && input.method == .post && input.role == .customer && input.extraHeaders.isEmpty
            {
                _ = try await client.send(.post, "/v1/orders", token: token, json: input.body)
            }
            #expect(try await client.send(.get, "/v1/inventory/SKU-00001").json["quantity"]?.int == before)
            #expect(try await client.send(.get, "/v1/orders", token: token).json["items"]?.array.isEmpty == true)
        }
    }
}
