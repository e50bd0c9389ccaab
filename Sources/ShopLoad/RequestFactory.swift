import Foundation
import LoadProfile
import NIOCore
import ShopContract
import ShopTracing

/// A request ready for the wire: its bytes, written in one piece, and what its answer means to the
/// simulated customer.
struct PreparedRequest {
    enum Follow {
        case none
        /// An order: its id, from a 201, joins the customer's orders.
        case placed(user: Int)
    }

    let method: String
    /// Whether its answer has no body whatever its headers say (a HEAD): worked out once, not per answer.
    let head: Bool
    /// Request line, headers and body, as sent.
    var bytes: ByteBuffer
    var follow: Follow = .none
    /// The trace it starts, as its `traceparent` says.
    var trace: TraceParent?
    var keepBody: Bool { if case .placed = follow { true } else { false } }

    /// GET and HEAD: sent again, once, when a closing keep-alive connection took it unread.
    var idempotent: Bool { method == "GET" || head }

    init(method: String, bytes: ByteBuffer) {
        self.method = method
        head = method == "HEAD"
        self.bytes = bytes
    }
}

/// Turns an endpoint and an arrival's random numbers into a request on real data: SKUs read from the API at
/// start, customers with their own tokens and the orders they placed during the run. Every request is marked
/// synthetic (`baggage: synthetic=true`) and starts a trace of its own (`traceparent`, sampled for a
/// `traceSample` share). One per worker, confined to its event loop.
final class RequestFactory {
    let host: String
    let skus: [String]
    /// The customers' access tokens: fixed when minted with the secret, refreshed with `--sign-in`.
    private(set) var tokens: [String]
    let sessions: CustomerSessions?
    private var tokensVersion = 0
    let profile: Profile
    let traceSample: Double
    /// Trace and span ids, and the sampling draw: seeded afresh per run, so two runs with one seed (or two
    /// shards) never share a trace id, while the schedule and choices stay the seed's.
    private var ids = SplitMix64(seed: UInt64.random(in: 1...UInt64.max))
    /// Per customer, the ids of orders they placed and have not cancelled, the newest last (a few at most).
    private var orders: [[String]]
    private let allocator = ByteBufferAllocator()
    /// Product and stock reads, most of a run, are the same bytes each time for a SKU: made once, then shared.
    private var productReads: [ByteBuffer?]
    private var stockReads: [ByteBuffer?]

    init(host: String, skus: [String], tokens: [String], sessions: CustomerSessions? = nil, profile: Profile, traceSample: Double) {
        self.host = host
        self.skus = skus
        self.tokens = tokens
        self.sessions = sessions
        self.profile = profile
        self.traceSample = traceSample
        orders = Array(repeating: [], count: tokens.count)
        productReads = Array(repeating: nil, count: skus.count)
        stockReads = Array(repeating: nil, count: skus.count)
    }

    func make(_ endpoint: Endpoint, profileTime: Double, random: inout SplitMix64) -> PreparedRequest {
        let unsent = unsent(endpoint, profileTime: profileTime, random: &random)
        let trace = TraceParent(traceHigh: ids.next(), traceLow: ids.next() | 1, span: ids.next() | 1, flags: ids.nextUnit() < traceSample ? 1 : 0)
        // The shared head lines, then this request's trace, the blank line and the body.
        var bytes = allocator.buffer(capacity: unsent.lines.readableBytes + 80 + (unsent.body?.utf8.count ?? 0))
        bytes.writeImmutableBuffer(unsent.lines)
        bytes.writeStaticString("traceparent: ")
        bytes.writeString(trace.header)
        bytes.writeStaticString("\r\n\r\n")
        if let body = unsent.body { bytes.writeString(body) }
        var request = PreparedRequest(method: unsent.method, bytes: bytes)
        request.follow = unsent.follow
        request.trace = trace
        return request
    }

    /// A request before its trace: its head's lines (no blank line yet), shared for the reads, and its body.
    private struct Unsent {
        var method = "GET"
        var lines: ByteBuffer
        var body: String?
        var follow = PreparedRequest.Follow.none
    }

    private func unsent(_ endpoint: Endpoint, profileTime: Double, random: inout SplitMix64) -> Unsent {
        if let sessions, sessions.currentVersion != tokensVersion {
            let (version, fresh) = sessions.current
            (tokensVersion, tokens) = (version, fresh)
        }
        let user = Int(random.next() % UInt64(tokens.count))
        switch endpoint {
        case .product: return Unsent(lines: read(&productReads, .getProduct, sku: skuIndex(profileTime, &random)))
        case .catalog: return get(Self.cataloguePage)
        case .stock: return Unsent(lines: read(&stockReads, .getStock, sku: skuIndex(profileTime, &random)))
        case .order:
            let lines = 1 + Int(random.next() % 3)
            var chosen: [String] = []
            while chosen.count < min(lines, skus.count) {
                let candidate = sku(profileTime, &random)
                if !chosen.contains(candidate) { chosen.append(candidate) }
            }
            let items = chosen.map { #"{"sku":"\#($0)","quantity":1}"# }.joined(separator: ",")
            var request = send(
                "POST", APIRoute.placeOrder.path(), user: user, json: #"{"items":[\#(items)]}"#, idempotencyKey: String(random.next(), radix: 16))
            request.follow = .placed(user: user)
            return request
        case .orderRead:
            guard let id = orders[user].last else { return get(APIRoute.listOrders.path(), user: user) }
            return get(APIRoute.getOrder.path(id), user: user)
        case .cancel:
            guard let id = orders[user].popLast() else { return get(APIRoute.listOrders.path(), user: user) }
            return send("POST", APIRoute.cancelOrder.path(id), user: user, json: nil)
        case .signIn:
            // LoadRun refuses a mix with sign-in and no accounts before the run starts.
            guard let sessions, user < sessions.signInBodies.count else { preconditionFailure("sign-in without --sign-in") }
            return send("POST", APIRoute.signIn.path(), user: nil, json: sessions.signInBodies[user])
        }
    }

    /// A catalogue page a customer browses: the same URI for every request, made once.
    private static let cataloguePage = APIRoute.listProducts.path() + "?limit=20"

    /// An order as its 201 describes it, as much of it as a customer needs again.
    private struct Placed: Decodable { let id: String }
    private let decoder = JSONDecoder()

    /// What an answer tells the customer: the id of an order placed.
    func observe(_ request: PreparedRequest, _ answer: Answer) {
        guard case .placed(let user) = request.follow, answer.status == 201, let body = answer.body,
            let order = try? decoder.decode(Placed.self, from: Data(body.readableBytesView))
        else { return }
        orders[user].append(order.id)
        if orders[user].count > 5 { orders[user].removeFirst() }
    }

    /// A SKU: from the hot set when a spike with one is under way and the draw says so, otherwise any.
    private func sku(_ profileTime: Double, _ random: inout SplitMix64) -> String {
        skus[skuIndex(profileTime, &random)]
    }

    private func skuIndex(_ profileTime: Double, _ random: inout SplitMix64) -> Int {
        if let hot = profile.hotSet(at: profileTime), random.nextUnit() < hot.share {
            return Int(random.next() % UInt64(min(hot.skus, skus.count)))
        }
        return Int(random.next() % UInt64(skus.count))
    }

    /// The read of `route` for a SKU, from `cache` or made and kept there.
    private func read(_ cache: inout [ByteBuffer?], _ route: APIRoute, sku index: Int) -> ByteBuffer {
        if let bytes = cache[index] { return bytes }
        let bytes = get(route.path(skus[index])).lines
        cache[index] = bytes
        return bytes
    }

    // Requests are written as bytes, not as an `HTTPRequestHead` through NIO's encoder: the generator's
    // headers are its own and few, and building and encoding a head per request was a sizeable share of its
    // CPU per request.
    private func get(_ uri: String, user: Int? = nil) -> Unsent {
        var lines = allocator.buffer(capacity: 160 + (user.map { tokens[$0].utf8.count } ?? 0))
        Self.startRequest("GET", uri, host: host, token: user.map { tokens[$0] }, into: &lines)
        return Unsent(lines: lines)
    }

    /// A GET's bytes, whole, with no trace: the catalogue's read before the run.
    static func get(_ uri: String, host: String, token: String?, allocator: ByteBufferAllocator = .init()) -> ByteBuffer {
        var bytes = allocator.buffer(capacity: 128 + (token?.utf8.count ?? 0))
        startRequest("GET", uri, host: host, token: token, into: &bytes)
        bytes.writeStaticString("\r\n")
        return bytes
    }

    /// A request with a body, as customer `user` (nil: anonymous, a sign-in).
    private func send(_ method: String, _ uri: String, user: Int?, json: String?, idempotencyKey: String? = nil) -> Unsent {
        let token = user.map { tokens[$0] }
        var lines = allocator.buffer(capacity: 240 + (token?.utf8.count ?? 0))
        Self.startRequest(method, uri, host: host, token: token, into: &lines)
        if json != nil { lines.writeStaticString("Content-Type: application/json\r\n") }
        if let idempotencyKey { lines.writeString("Idempotency-Key: \(idempotencyKey)\r\n") }
        lines.writeString("Content-Length: \(json?.utf8.count ?? 0)\r\n")
        return Unsent(method: method, lines: lines, body: json)
    }
    /// The request line, `Host`, the synthetic mark and, for a customer, `Authorization`.
    private static func startRequest(_ method: String, _ uri: String, host: String, token: String?, into bytes: inout ByteBuffer) {
        bytes.writeString(method)
        bytes.writeStaticString(" ")
        bytes.writeString(uri)
        bytes.writeStaticString(" HTTP/1.1\r\nHost: ")
        bytes.writeString(host)
        bytes.writeStaticString("\r\n")
        bytes.writeString(SyntheticTraffic.baggageHeader)
        bytes.writeStaticString(": ")
        bytes.writeString(SyntheticTraffic.member)
        bytes.writeStaticString("\r\n")
        if let token {
            bytes.writeStaticString("Authorization: Bearer ")
            bytes.writeString(token)
            bytes.writeStaticString("\r\n")
        }
    }
}
