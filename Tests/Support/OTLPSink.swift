import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ShopSupport

/// `benchmarks/otlp-sink.py` on a free port: an OTLP/HTTP receiver whose spans are decoded by the
/// reference schema (opentelemetry-proto from PyPI), read back as JSON. It exits with the test process.
package final class OTLPSink: Sendable {
    package let port: Int
    package var endpoint: String { "http://127.0.0.1:\(port)" }
    private let process: ProcessExit
    private let pid: Int32
    // Held open for the sink's lifetime: it exits when this pipe closes.
    nonisolated(unsafe) private let lifeline: Pipe

    private init(port: Int, process: ProcessExit, pid: Int32, lifeline: Pipe) {
        (self.port, self.process, self.pid, self.lifeline) = (port, process, pid, lifeline)
    }

    package static func start() async throws -> OTLPSink {
        let port = try TestTools.freePort()
        let sink = Process()
        sink.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sink.arguments = ["python3", "benchmarks/otlp-sink.py", "\(port)", "--until-stdin-closes"]
        let lifeline = Pipe()
        sink.standardInput = lifeline
        let exit = try ProcessExit.launch(sink)
        let started = OTLPSink(port: port, process: exit, pid: sink.processIdentifier, lifeline: lifeline)
        for _ in 0..<100 {
            if (try? await HTTPClient.shared.get(url: started.endpoint + "/spans").get())?.status == .ok { return started }
            guard !exit.hasExited else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        started.stop()
        throw TestSupportError("the OTLP sink did not start (is opentelemetry-proto installed? scripts/test installs it)")
    }

    package func stop() {
        if !process.hasExited { kill(pid, SIGKILL) }
    }

    package func spans() async throws -> [ExportedSpan] {
        try JSONDecoder().decode([ExportedSpan].self, from: try await get("/spans.json"))
    }

    /// Spans and export requests received (failed ones included).
    package func counts() async throws -> (spans: Int, requests: Int) {
        let words = String(decoding: try await get("/spans"), as: UTF8.self).split(separator: " ")
        return (Int(words.first ?? "") ?? 0, Int(words.last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0)
    }

    /// The last export's request headers, names in lower case.
    package func lastHeaders() async throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: try await get("/headers.json"))
    }

    /// Answers the next `count` exports with `status`, and `Retry-After` when given.
    package func failNext(_ count: Int, status: Int, retryAfter: Int? = nil) async throws {
        var request = HTTPClientRequest(url: endpoint + "/fail?count=\(count)&status=\(status)" + (retryAfter.map { "&retry_after=\($0)" } ?? ""))
        request.method = .POST
        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    }

    /// Polls until `done` holds for the spans received, or `seconds` pass; the spans last read.
    package func spans(within seconds: Int = 15, until done: ([ExportedSpan]) -> Bool) async throws -> [ExportedSpan] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var spans = try await self.spans()
        while !done(spans), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            spans = try await self.spans()
        }
        return spans
    }

    private func get(_ path: String) async throws -> Data {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: endpoint + path), timeout: .seconds(10))
        return Data(buffer: try await response.body.collect(upTo: 256 << 20))
    }
}

/// One span as the reference decoder read it.
package struct ExportedSpan: Decodable, Sendable {
    package let name: String
    package let kind: Int
    package let trace_id, span_id, parent_span_id, trace_state: String
    package let status: Int
    package let status_message: String
    package let flags: Int
    package let start_ns, end_ns: UInt64
    package let attributes: [String: Value]
    package let resource: [String: Value]
    package let scope: String
    package let dropped_attributes, dropped_events: Int
    package let events: [Event]
    package let links: [Link]

    package struct Event: Decodable, Sendable {
        package let name: String
        package let time_ns: UInt64
        package let attributes: [String: Value]
    }

    package struct Link: Decodable, Sendable {
        package let trace_id, span_id, trace_state: String
        package let attributes: [String: Value]
    }

    package enum Value: Decodable, Equatable, Sendable {
        case string(String), int(Int), double(Double), bool(Bool), array([Value]), null

        package init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if value.decodeNil() {
                self = .null
            } else if let bool = try? value.decode(Bool.self) {
                self = .bool(bool)
            } else if let int = try? value.decode(Int.self) {
                self = .int(int)
            } else if let double = try? value.decode(Double.self) {
                self = .double(double)
            } else if let string = try? value.decode(String.self) {
                self = .string(string)
            } else {
                self = .array(try value.decode([Value].self))
            }
        }
    }
}
