import Foundation
import LoadProfile
import NIOCore
import ShopTracing
import Testing

@testable import ShopLoad

/// Requests go out as bytes the generator writes itself: they must be well-formed HTTP/1.1.
@Suite struct RequestBytesTests {
    static func factory(tokens: [String] = ["t0", "t1"], traceSample: Double = 0.01) throws -> RequestFactory {
        let profile = try Profile(yaml: "name: bytes\nduration: 1m\nrate: {base: 1}\nmix: {product: 1}\n", file: "test.yaml")
        return RequestFactory(
            host: "127.0.0.1:8080", skus: ["SKU-00001", "SKU-00002", "SKU-00003"], tokens: tokens, profile: profile, traceSample: traceSample)
    }

    /// Head and body of a request, split at the blank line.
    static func parts(_ request: PreparedRequest) throws -> (lines: [String], body: String) {
        let text = String(buffer: request.bytes)
        let end = try #require(text.range(of: "\r\n\r\n"))
        return (text[..<end.lowerBound].components(separatedBy: "\r\n"), String(text[end.upperBound...]))
    }

    /// A read: its request line, its host, the synthetic mark and the trace it starts; no body.
    @Test func aReadIsARequestLineItsHostTheMarkAndItsTrace() throws {
        var random = SplitMix64(seed: 1)
        let request = try Self.factory().make(.product, profileTime: 0, random: &random)
        #expect(request.method == "GET" && !request.head)
        let (lines, body) = try Self.parts(request)
        #expect(lines.count == 4 && body.isEmpty, "\(lines)")
        #expect(lines[0].hasPrefix("GET /v1/products/SKU-0000") && lines[0].hasSuffix(" HTTP/1.1"))
        #expect(Array(lines[1...2]) == ["Host: 127.0.0.1:8080", "baggage: synthetic=true"])
        let trace = try #require(request.trace)
        #expect(lines[3] == "traceparent: " + trace.header)
        #expect(TraceParent(header: trace.header) == trace, "a traceparent the service parses back")
    }

    /// Every request starts its own trace; `traceSample` of them ask for it to be recorded.
    @Test(arguments: [0.0, 0.25, 1.0])
    func eachRequestHasItsOwnTraceAndTheSampledShareIsAsAsked(share: Double) throws {
        let factory = try Self.factory(traceSample: share)
        var random = SplitMix64(seed: 9)
        let traces = (0..<4_000).compactMap { _ in factory.make(.product, profileTime: 0, random: &random).trace }
        #expect(Set(traces.map(\.traceID)).count == 4_000)
        let sampled = Double(traces.filter(\.isSampled).count) / 4_000
        #expect(abs(sampled - share) < 0.03, "\(sampled) sampled")
    }

    /// Reads are made once per SKU and shared: each one still names the SKU drawn, and every SKU is reachable.
    @Test func sharedReadsNameTheSKUDrawn() throws {
        let factory = try Self.factory()
        var paths: Set<String> = []
        for seed in 0..<64 as Range<UInt64> {
            for endpoint in [Endpoint.product, .stock] {
                var random = SplitMix64(seed: seed)
                var again = SplitMix64(seed: seed)
                // The same draws, the same request: only its trace differs.
                let first = String(buffer: factory.make(endpoint, profileTime: 0, random: &random).bytes).components(separatedBy: "traceparent")[0]
                let second = String(buffer: factory.make(endpoint, profileTime: 0, random: &again).bytes).components(separatedBy: "traceparent")[0]
                #expect(first == second)
                paths.insert(String(first.split(separator: " ")[1]))
            }
        }
        let expected = ["SKU-00001", "SKU-00002", "SKU-00003"].flatMap { ["/v1/products/\($0)", "/v1/inventory/\($0)"] }
        #expect(paths == Set(expected))
    }

    @Test func anOrderCarriesItsTokenKeyTypeAndExactLength() throws {
        var random = SplitMix64(seed: 2)
        let request = try Self.factory().make(.order, profileTime: 0, random: &random)
        #expect(request.method == "POST" && request.keepBody)
        let (lines, body) = try Self.parts(request)
        #expect(lines.first == "POST /v1/orders HTTP/1.1")
        #expect(lines.contains("Host: 127.0.0.1:8080"))
        #expect(lines.contains { $0 == "Authorization: Bearer t0" || $0 == "Authorization: Bearer t1" })
        #expect(lines.contains("Content-Type: application/json"))
        #expect(lines.contains { $0.hasPrefix("Idempotency-Key: ") && $0.count > "Idempotency-Key: ".count })
        #expect(lines.contains("Content-Length: \(body.utf8.count)"), "\(lines)")
        let items = try #require((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["items"] as? [[String: Any]])
        #expect((1...3).contains(items.count))
    }

    @Test func aCancelWithoutAnOrderToCancelListsTheCustomersOrders() throws {
        var random = SplitMix64(seed: 3)
        let request = try Self.factory().make(.cancel, profileTime: 0, random: &random)
        let (lines, body) = try Self.parts(request)
        #expect(lines.first == "GET /v1/orders HTTP/1.1" && body.isEmpty)
        #expect(lines.contains { $0.hasPrefix("Authorization: Bearer t") })
    }

    /// The id in an order's 201 is the customer's: their next cancel is of that order.
    @Test func anOrderPlacedIsTheOneTheCustomerCancels() throws {
        let factory = try Self.factory(tokens: ["t0"])
        var random = SplitMix64(seed: 5)
        let order = factory.make(.order, profileTime: 0, random: &random)
        let placed = #"{"id":"ord_7f3a","status":"pending","total":{"amount_minor":2278,"currency":"EUR"},"items":[]}"#
        factory.observe(order, Answer(status: 201, body: ByteBuffer(string: placed), reusable: true))
        let (lines, _) = try Self.parts(factory.make(.cancel, profileTime: 1, random: &random))
        #expect(lines.first == "POST /v1/orders/ord_7f3a/cancel HTTP/1.1")
    }
}
