import HTTPTypes
import ShopContract
import Testing

/// The route table as clients use it: concrete paths built from it, and routes found from what the
/// router matched.
@Suite struct APIRouteTests {
    @Test func aPathFillsTheTemplatesPlaceholdersInOrder() {
        #expect(APIRoute.getProduct.path("SKU-00042") == "/v1/products/SKU-00042")
        #expect(APIRoute.cancelOrder.path("0193-abc") == "/v1/orders/0193-abc/cancel")
        #expect(APIRoute.listProducts.path() == "/v1/products")
        #expect(APIRoute.setFaults.path() == "/v1/admin/faults")
    }

    @Test func aValueIsOneSegmentWhateverItHolds() {
        #expect(APIRoute.getOrder.path("a/b") == "/v1/orders/a%2Fb")
        #expect(APIRoute.getProduct.path("SKU 1?x") == "/v1/products/SKU%201%3Fx")
        // Every template's path, with a value for each placeholder, is served by that route again.
        for route in APIRoute.allCases {
            let placeholders = route.template.split(separator: "/").filter { $0.first == "{" }.count
            let path: String
            switch placeholders {
            case 0: path = route.path()
            case 1: path = route.path("value-1")
            default: Issue.record("\(route) has \(placeholders) placeholders"); continue
            }
            #expect(APIRoute.route(route.method, path: path) == route, "\(route): \(path)")
        }
    }

    @Test func theMatchedRouteComesFromTheEndpointPathAndTheMethod() {
        #expect(APIRoute.route(.get, endpointPath: "/v1/orders/{id}") == .getOrder)
        #expect(APIRoute.route(.get, endpointPath: "/v1/orders/:id") == .getOrder)
        #expect(APIRoute.route(.post, endpointPath: "/v1/orders") == .placeOrder)
        #expect(APIRoute.route(.get, endpointPath: "/v1/orders") == .listOrders)
        // HEAD is answered by the GET route.
        #expect(APIRoute.route(.head, endpointPath: "/v1/products/{sku}") == .getProduct)
        // A method the path does not serve, or no match at all, is no route.
        #expect(APIRoute.route(.delete, endpointPath: "/v1/orders") == nil)
        #expect(APIRoute.route(.get, endpointPath: "NotFound") == nil)
        #expect(APIRoute.route(.get, endpointPath: nil) == nil)
    }

    @Test func everyMethodAndTemplateIsOneRoute() {
        let keys = APIRoute.allCases.map { "\($0.method.rawValue) \($0.template)" }
        #expect(Set(keys).count == keys.count)
    }
}
