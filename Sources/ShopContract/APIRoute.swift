import Foundation
import HTTPTypes
import ShopDomain

/// Every route the API serves: method, template and who may call it. The router is built from this list,
/// 405 answers are computed from it, the OpenAPI test checks the spec against it, and the metrics' `http_route`
/// label is its template. No other place spells a path.
package enum APIRoute: String, CaseIterable, Sendable {
    case health, readiness, openAPI, metrics
    case listProducts, getProduct
    case getStock, setStock, adjustStock, pickStock
    case placeOrder, listOrders, getOrder, cancelOrder, refundOrder, getPayment
    case getFaults, setFaults
    case register, signIn, refreshSession, signOut

    package enum Access: Sendable, Equatable {
        case anonymous
        /// A valid token with one of these roles.
        case roles(Set<Role>)
    }

    package var method: HTTPRequest.Method {
        switch self {
        case .health, .readiness, .openAPI, .metrics, .listProducts, .getProduct, .getStock, .listOrders, .getOrder, .getPayment, .getFaults: .get
        case .setStock, .setFaults: .put
        case .adjustStock, .pickStock, .placeOrder, .cancelOrder, .refundOrder, .register, .signIn, .refreshSession, .signOut: .post
        }
    }

    package var template: String {
        switch self {
        case .health: "/healthz"
        case .readiness: "/readyz"
        case .openAPI: "/openapi.yaml"
        case .metrics: "/metrics"
        case .listProducts: "/v1/products"
        case .getProduct: "/v1/products/{sku}"
        case .getStock: "/v1/inventory/{sku}"
        case .setStock: "/v1/inventory/{sku}"
        case .adjustStock: "/v1/inventory/{sku}/adjustments"
        case .pickStock: "/v1/inventory/{sku}/picks"
        case .placeOrder: "/v1/orders"
        case .listOrders: "/v1/orders"
        case .getOrder: "/v1/orders/{id}"
        case .cancelOrder: "/v1/orders/{id}/cancel"
        case .refundOrder: "/v1/orders/{id}/refund"
        case .getPayment: "/v1/orders/{id}/payment"
        case .getFaults, .setFaults: "/v1/admin/faults"
        case .register: "/v1/auth/register"
        case .signIn: "/v1/auth/token"
        case .refreshSession: "/v1/auth/refresh"
        case .signOut: "/v1/auth/logout"
        }
    }

    package var access: Access {
        switch self {
        // Signing in is how a caller gets a token; signing out needs only the refresh token it revokes.
        case .health, .readiness, .openAPI, .metrics, .listProducts, .getProduct, .getStock, .register, .signIn, .refreshSession, .signOut:
            .anonymous
        case .setStock, .adjustStock, .pickStock: .roles([.warehouse, .admin])
        case .placeOrder: .roles([.customer])
        case .listOrders, .getOrder, .cancelOrder, .getPayment: .roles([.customer, .admin])
        case .refundOrder, .getFaults, .setFaults: .roles([.admin])
        }
    }

    /// A concrete path of this route: each `{name}` of the template replaced by the next of `values`, in
    /// order, percent-encoded as a path segment. Clients (the load generator, the game day) build their
    /// requests with it, so no path is spelled outside this table.
    package func path(_ values: String...) -> String {
        var values = values.makeIterator()
        return template.split(separator: "/", omittingEmptySubsequences: false).map { segment -> String in
            guard segment.first == "{" else { return String(segment) }
            guard let value = values.next() else { preconditionFailure("\(template) needs a value for \(segment)") }
            return value.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? value
        }.joined(separator: "/")
    }

    private static let segmentCharacters = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))

    /// Templates a fault may be injected on: every route but the switchboard's own, so it can always be reset.
    package static var faultableTemplates: Set<String> {
        Set(allCases.filter { $0 != .getFaults && $0 != .setFaults }.map(\.template))
    }

    /// The template of the route the router matched, from Hummingbird's endpoint path (which may spell
    /// captures `:name`); nil when no route matched.
    package static func template(forEndpointPath path: String?) -> String? {
        guard let path else { return nil }
        return templatesByEndpointPath[path]
    }

    /// The route the router matched, from the request's method (HEAD is its GET) and Hummingbird's
    /// endpoint path; nil when no route matched.
    package static func route(_ method: HTTPRequest.Method, endpointPath path: String?) -> APIRoute? {
        guard let template = template(forEndpointPath: path) else { return nil }
        return routesByTemplate[template]?[method == .head ? .get : method]
    }

    private static let routesByTemplate: [String: [HTTPRequest.Method: APIRoute]] = Dictionary(
        grouping: allCases, by: \.template
    ).mapValues { Dictionary(uniqueKeysWithValues: $0.map { ($0.method, $0) }) }

    private static let templatesByEndpointPath: [String: String] = {
        var map: [String: String] = [:]
        for route in allCases {
            map[route.template] = route.template
            map[route.template.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")] = route.template
        }
        return map
    }()

    /// Methods `served` serves at a concrete `path`, for the `Allow` header of a 405: HEAD wherever GET
    /// (RFC 9110 §9.3.2; the router answers it from the GET handler, without the body).
    package static func methods(servingPath path: String, among served: [APIRoute] = allCases) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return served.filter { $0.serves(segments) }.flatMap { $0.method == .get ? [.get, .head] : [$0.method] }
    }

    /// The route serving `method` at a concrete `path`, before the router has matched it (HEAD is its GET).
    package static func route(_ method: HTTPRequest.Method, path: String) -> APIRoute? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let method = method == .head ? .get : method
        return allCases.first { $0.method == method && $0.serves(segments) }
    }

    private func serves(_ segments: [Substring]) -> Bool {
        let template = Self.templateSegments[self]!
        return template.count == segments.count && zip(template, segments).allSatisfy { $0.first == "{" ? !$1.isEmpty : $0 == $1 }
    }

    /// Each template split once: matching runs on every rate-limited request.
    private static let templateSegments: [APIRoute: [Substring]] = Dictionary(
        uniqueKeysWithValues: allCases.map { ($0, $0.template.split(separator: "/", omittingEmptySubsequences: false)) })

    /// Probes and the scrape endpoint: never rate limited, so an orchestrator or Prometheus is never refused.
    package var isRateLimited: Bool {
        switch self {
        case .health, .readiness, .metrics: false
        default: true
        }
    }
}
