import ShopContract

/// What a simulated customer does in one request. The mix of a profile weighs these.
package enum Endpoint: String, Sendable, CaseIterable, Codable, Comparable {
    /// `GET /v1/products/{sku}`: a product page.
    case product
    /// `GET /v1/products?limit=20`: a catalogue page.
    case catalog
    /// `GET /v1/inventory/{sku}`: the stock shown beside the buy button.
    case stock
    /// `POST /v1/orders`: one to three lines of real SKUs.
    case order
    /// `GET /v1/orders/{id}` of an order this customer placed (their order list until they have one).
    case orderRead = "order-read"
    /// `POST /v1/orders/{id}/cancel` of an order this customer placed (their order list until they have one).
    case cancel
    /// `POST /v1/auth/token`: a customer signs in again (a bcrypt on the server); needs `--sign-in`.
    case signIn = "sign-in"

    /// Its place in `allCases`, for arrays indexed by endpoint.
    package var ordinal: Int {
        switch self {
        case .product: 0
        case .catalog: 1
        case .stock: 2
        case .order: 3
        case .orderRead: 4
        case .cancel: 5
        case .signIn: 6
        }
    }

    package static func < (lhs: Endpoint, rhs: Endpoint) -> Bool { lhs.ordinal < rhs.ordinal }

    /// The route it calls, from the API's route table, so an SLO over routes can be evaluated from a load
    /// result. An order read or cancel without an order of the customer's yet reads their order list
    /// instead, a read too.
    package var route: APIRoute {
        switch self {
        case .product: .getProduct
        case .catalog: .listProducts
        case .stock: .getStock
        case .order: .placeOrder
        case .orderRead: .getOrder
        case .cancel: .cancelOrder
        case .signIn: .signIn
        }
    }
}

/// Weights over endpoints, drawn from with a uniform number in [0, 1).
package struct EndpointMix: Sendable, Equatable {
    package let weights: [(endpoint: Endpoint, weight: Double)]
    private let cumulative: [Double]

    /// The default: shop traffic is mostly browsing. Product pages 50% and stock checks 25% (every product
    /// page asks for stock, and stock is checked again before buying), catalogue pages 5%, orders 10% (a
    /// visit converts a few percent of the time but orders are a heavy share of the writes worth testing),
    /// order reads 7% (customers check their orders) and cancellations 3%.
    package static let shop = EndpointMix([(.product, 50), (.catalog, 5), (.stock, 25), (.order, 10), (.orderRead, 7), (.cancel, 3)])

    package init(_ weights: [(endpoint: Endpoint, weight: Double)]) {
        self.weights = weights.filter { $0.weight > 0 }
        let total = self.weights.reduce(0) { $0 + $1.weight }
        var running = 0.0
        cumulative = self.weights.map {
            running += $0.weight / total; return running
        }
    }

    package func pick(_ uniform: Double) -> Endpoint {
        for (index, bound) in cumulative.enumerated() where uniform < bound { return weights[index].endpoint }
        return weights[weights.count - 1].endpoint
    }

    package func share(of endpoint: Endpoint) -> Double {
        let total = weights.reduce(0) { $0 + $1.weight }
        return weights.filter { $0.endpoint == endpoint }.reduce(0) { $0 + $1.weight } / total
    }

    package static func == (lhs: EndpointMix, rhs: EndpointMix) -> Bool {
        lhs.weights.map(\.endpoint) == rhs.weights.map(\.endpoint) && lhs.weights.map(\.weight) == rhs.weights.map(\.weight)
    }
}
