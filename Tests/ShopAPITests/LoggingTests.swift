import Foundation
import HTTPTypes
import HummingbirdTesting
import JSONLogging
import Logging
import ShopAPI
import ShopDomain
import Testing

@Suite("JSON logs")
struct LoggingTests {
    static func objects(_ sink: LogSink) throws -> [[String: Any]] {
        try sink.lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    @Test func eachRequestEndsWithOneAccessLineAndNoSecret() async throws {
        let sink = LogSink.memory()
        let logger = Logger(label: "shop-api") { JSONLogHandler(label: $0, service: "shop-api", level: .info, sink: sink) }
        let token = try await TestApp.token("alice", .customer)
        try await TestApp.run(logger: logger, configure: { $0.logLevel = .info }) { client in
            _ = try await client.send(.post, "/v1/orders", token: token, json: orderJSON(("SKU-00001", 1)))
            _ = try await client.send(.get, "/v1/orders/not-an-id", token: token)
            _ = try await client.send(.get, "/nope?secret=1")
        }
        let lines = try Self.objects(sink)
        #expect(!sink.lines.contains { $0.contains(token) || $0.lowercased().contains("bearer") })
        let access = lines.filter { $0["message"] as? String == "request" }
        #expect(access.count == 3)
        let placed = try #require(access.first)
        #expect(placed["method"] as? String == "POST" && placed["route"] as? String == "/v1/orders" && placed["path"] as? String == "/v1/orders")
        #expect(placed["status"] as? Int == 201)
        #expect(placed["user"] as? String == "alice")
        #expect((placed["bytes_in"] as? Int ?? 0) > 0 && (placed["bytes_out"] as? Int ?? 0) > 0)
        #expect((placed["duration_ms"] as? Double ?? -1) >= 0)
        #expect((placed["request_id"] as? String)?.isEmpty == false)
        #expect(placed["service"] as? String == "shop-api" && placed["level"] as? String == "info" && placed["label"] as? String == "shop-api")
        let timestamp = try #require(placed["timestamp"] as? String)
        #expect(timestamp.count == 24 && timestamp.hasSuffix("Z") && timestamp.contains("."))
        #expect(access[1]["route"] as? String == "/v1/orders/{id}" && access[1]["status"] as? Int == 404)
        #expect(access[2]["route"] as? String == "unmatched" && access[2]["path"] as? String == "/nope" && access[2]["user"] == nil)
        #expect(Set(access.compactMap { $0["request_id"] as? String }).count == 3)
    }

    @Test func secretsAreRedactedAndStringsEscaped() throws {
        let sink = LogSink.memory()
        let logger = Logger(label: "test") { JSONLogHandler(label: $0, service: "s", level: .debug, sink: sink) }
        logger.warning("quote \" backslash \\ newline \n tab \t bell \u{07}", metadata: [
            "authorization": "Bearer abc", "Email": "a@b.c", "nested": ["token": "t", "ok": "yes"], "count": .stringConvertible(3),
        ])
        logger.debug("below the level is still written at debug")
        logger.trace("below the level")
        let lines = try Self.objects(sink)
        #expect(lines.count == 2)
        #expect(lines[0]["message"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{07}")
        #expect(lines[0]["authorization"] as? String == "[redacted]" && lines[0]["Email"] as? String == "[redacted]")
        #expect((lines[0]["nested"] as? [String: Any])?["token"] as? String == "[redacted]")
        #expect(lines[0]["count"] as? Int == 3)
        #expect(!sink.lines[0].contains("abc") && !sink.lines[0].contains("a@b.c"))
    }
}
