import Foundation
import LoadProfile
import NIOCore
import NIOHTTP1

/// A request ready for the wire, and what its answer means to the simulated customer.
struct PreparedRequest {
    enum Follow {
        case none
        /// An order: its id, from a 201, joins the customer's orders.
        case placed(user: Int)
    }

    var head: HTTPRequestHead
    var body: ByteBuffer?
    var follow: Follow = .none
    var keepBody: Bool { if case .placed = follow { true } else { false } }
}

/// Turns an endpoint and an arrival's random numbers into a request on real data: SKUs read from the API at
/// start, customers with their own tokens and the orders they placed during the run. One per worker,
/// confined to its event loop.
final class RequestFactory {
    let host: String
    let skus: [String]
    let tokens: [String]
    let profile: Profile
    /// Per customer, the ids of orders they placed and have not cancelled, the newest last (a few at most).
    private var orders: [[String]]
    private let allocator = ByteBufferAllocator()

    init(host: String, skus: [String], tokens: [String], profile: Profile) {
        self.host = host
        self.skus = skus
        self.tokens = tokens
        self.profile = profile
        orders = Array(repeating: [], count: tokens.count)
    }

    func make(_ endpoint: Endpoint, profileTime: Double, random: inout SplitMix64) -> PreparedRequest {
        let user = Int(random.next() % UInt64(tokens.count))
        switch endpoint {
        case .product: return get("/v1/products/\(sku(profileTime, &random))")
        case .catalog: return get("/v1/products?limit=20")
        case .stock: return get("/v1/inventory/\(sku(profileTime, &random))")
        case .order:
            let lines = 1 + Int(random.next() % 3)
            var chosen: [String] = []
            while chosen.count < min(lines, skus.count) {
                let candidate = sku(profileTime, &random)
                if !chosen.contains(candidate) { chosen.append(candidate) }
            }
            let items = chosen.map { #"{"sku":"\#($0)","quantity":1}"# }.joined(separator: ",")
            var request = send(.POST, "/v1/orders", user: user, json: #"{"items":[\#(items)]}"#)
            request.head.headers.add(name: "Idempotency-Key", value: String(random.next(), radix: 16))
            request.follow = .placed(user: user)
            return request
        case .orderRead:
            guard let id = orders[user].last else { return get("/v1/orders", user: user) }
            return get("/v1/orders/\(id)", user: user)
        case .cancel:
            guard let id = orders[user].popLast() else { return get("/v1/orders", user: user) }
            return send(.POST, "/v1/orders/\(id)/cancel", user: user, json: nil)
        }
    }

    /// What an answer tells the customer: the id of an order placed.
    func observe(_ request: PreparedRequest, _ answer: Answer) {
        guard case .placed(let user) = request.follow, answer.status == 201, var body = answer.body,
            let bytes = body.readBytes(length: body.readableBytes),
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], let id = object["id"] as? String
        else { return }
        orders[user].append(id)
        if orders[user].count > 5 { orders[user].removeFirst() }
    }

    /// A SKU: from the hot set when a spike with one is under way and the draw says so, otherwise any.
    private func sku(_ profileTime: Double, _ random: inout SplitMix64) -> String {
        if let hot = profile.hotSet(at: profileTime), random.nextUnit() < hot.share {
            return skus[Int(random.next() % UInt64(min(hot.skus, skus.count)))]
        }
        return skus[Int(random.next() % UInt64(skus.count))]
    }

    private func get(_ uri: String, user: Int? = nil) -> PreparedRequest {
        var headers = HTTPHeaders([("Host", host)])
        if let user { headers.add(name: "Authorization", value: "Bearer " + tokens[user]) }
        return PreparedRequest(head: HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers))
    }

    private func send(_ method: HTTPMethod, _ uri: String, user: Int, json: String?) -> PreparedRequest {
        var headers = HTTPHeaders([("Host", host), ("Authorization", "Bearer " + tokens[user])])
        var body: ByteBuffer?
        if let json {
            headers.add(name: "Content-Type", value: "application/json")
            body = allocator.buffer(string: json)
        }
        headers.add(name: "Content-Length", value: String(body?.readableBytes ?? 0))
        return PreparedRequest(head: HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers), body: body)
    }
}
