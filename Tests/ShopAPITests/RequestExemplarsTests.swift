import ShopTracing
import Testing

@testable import ShopAPI

@Suite("Request exemplars")
struct RequestExemplarsTests {
    let labels = RequestExemplars.labels(method: "GET", route: "/v1/products/{sku}", status: 200)

    func bucketLines(_ exemplars: RequestExemplars) -> [Substring] {
        let bounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.2", "0.25", "0.3", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"]
        let text =
            bounds.map { #"http_server_request_duration_seconds_bucket{\#(labels),le="\#($0)"} 3"# }.joined(separator: "\n")
            + "\nhttp_server_request_duration_seconds_sum{\(labels)} 0.5\n# EOF"
        return exemplars.annotate(text).split(separator: "\n")
    }

    @Test func anExemplarGoesOnTheSmallestBucketThatHoldsItsValue() throws {
        let exemplars = RequestExemplars()
        let fast = try #require(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        let slow = try #require(TraceParent(header: "00-1bf92f3577b34da6a3ce929d0e0e4736-10f067aa0ba902b7-01"))
        let hung = try #require(TraceParent(header: "00-2bf92f3577b34da6a3ce929d0e0e4736-20f067aa0ba902b7-01"))
        exemplars.record(labels: labels, seconds: 0.01, trace: fast, now: 1_700_000_000.5)  // on the bound: le="0.01"
        exemplars.record(labels: labels, seconds: 0.27, trace: slow, now: 1_700_000_001)
        exemplars.record(labels: labels, seconds: 42, trace: hung, now: 1_700_000_002)
        exemplars.record(labels: RequestExemplars.labels(method: "POST", route: "/v1/orders", status: 201), seconds: 0.01, trace: slow)
        let lines = bucketLines(exemplars)
        #expect(lines.count == 16)
        #expect(lines[1].hasSuffix(#"} 3 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"} 0.01 1700000000.500"#))
        #expect(lines[7].hasSuffix(#"le="0.3"} 3 # {trace_id="1bf92f3577b34da6a3ce929d0e0e4736",span_id="10f067aa0ba902b7"} 0.27 1700000001.000"#))
        #expect(lines[13].hasSuffix(#"le="+Inf"} 3 # {trace_id="2bf92f3577b34da6a3ce929d0e0e4736",span_id="20f067aa0ba902b7"} 42.0 1700000002.000"#))
        // Every other line is left as it was: no exemplar, and none on `_sum`.
        #expect(lines.enumerated().filter { $0.element.contains("#  {") || $0.element.contains(" # {") }.map(\.offset) == [1, 7, 13])
        #expect(lines.last == "# EOF")
    }

    @Test func aLaterTraceReplacesTheBucketsExemplar() throws {
        let exemplars = RequestExemplars()
        let first = try #require(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        let second = try #require(TraceParent(header: "00-1bf92f3577b34da6a3ce929d0e0e4736-10f067aa0ba902b7-01"))
        exemplars.record(labels: labels, seconds: 0.003, trace: first)
        exemplars.record(labels: labels, seconds: 0.004, trace: second)
        let lines = bucketLines(exemplars)
        #expect(lines[0].contains(second.traceID) && !lines.contains { $0.contains(first.traceID) })
    }

    @Test func withoutExemplarsTheTextIsUnchanged() {
        let text = "http_server_request_duration_seconds_bucket{\(labels),le=\"0.005\"} 3\n# EOF"
        #expect(RequestExemplars().annotate(text) == text)
    }
}
