import Foundation
import HTTPTypes
import HummingbirdTesting
import JSONLogging
import Logging
import ShopAPI
import ShopAPITestSupport
import ShopDomain
import ShopSupport
import ShopTestSupport
import Testing

@Suite("JSON logs")
struct LoggingTests {
    @Test func eachRequestEndsWithOneAccessLineAndNoSecret() async throws {
        let sink = LogSink.memory()
        let logger = Logger(label: "shop-api") { JSONLogHandler(label: $0, service: "shop-api", level: .info, sink: sink) }
        let token = try await TestApp.token("alice", .customer)
        try await TestApp.run(logger: logger, configure: { $0.logLevel = .info }) { client in
            _ = try await client.send(.post, "/v1/orders", token: token, json: orderJSON(("SKU-00001", 1)))
            _ = try await client.send(.get, "/v1/orders/not-an-id", token: token)
            _ = try await client.send(.get, "/nope?secret=1")
        }
        let lines = try LogLines.objects(sink)
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
        logger.warning(
            "quote \" backslash \\ newline \n tab \t bell \u{07}",
            metadata: [
                "authorization": "Bearer abc", "Email": "a@b.c", "nested": ["token": "t", "ok": "yes"], "count": .stringConvertible(3),
            ])
        logger.debug("below the level is still written at debug")
        logger.trace("below the level")
        let lines = try LogLines.objects(sink)
        #expect(lines.count == 2)
        #expect(lines[0]["message"] as? String == "quote \" backslash \\ newline \n tab \t bell \u{07}")
        #expect(lines[0]["authorization"] as? String == "[redacted]" && lines[0]["Email"] as? String == "[redacted]")
        #expect((lines[0]["nested"] as? [String: Any])?["token"] as? String == "[redacted]")
        #expect(lines[0]["count"] as? Int == 3)
        #expect(!sink.lines[0].contains("abc") && !sink.lines[0].contains("a@b.c"))
    }

    /// The access line's path (typed fields straight into bytes) writes exactly the line swift-log's
    /// metadata path writes for the same fields: the same keys in the same order, the handler's and the
    /// provider's metadata merged in (a field wins over both), redaction, escaping and numbers; and a
    /// handler that is not a JSONLogHandler still gets the fields, as metadata.
    @Test func typedFieldsWriteTheLineMetadataWould() throws {
        let provider = Logger.MetadataProvider {
            ["trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "span_id": "00f067aa0ba902b7", "trace_flags": "1"]
        }
        let clock = ManualClock()
        let fieldSets: [[(key: String, value: LineField)]] = [
            [
                ("bytes_in", .int(0)), ("bytes_out", .int(-12)), ("client_address", .string("203.0.113.9")), ("duration_ms", .number(0.125)),
                ("method", .string("GET")), ("path", .string("/a\"b\\c\n\u{01}é")), ("route", .string("unmatched")), ("status", .int(404)),
                ("synthetic", .bool(true)), ("token", .string("secret-value")), ("user", .string("alice")),
            ],
            [("aaa", .int(Int.max)), ("mmm", .number(1e300)), ("zeta", .string("the field wins")), ("zzz", .number(.infinity))],
            [],
        ]
        for (index, fields) in fieldSets.enumerated() {
            let typed = LogSink.memory(), metadata = LogSink.memory(), other = LogSink.memory()
            func logger(_ sink: LogSink) -> Logger {
                var logger = Logger(label: "shop-api") {
                    JSONLogHandler(label: $0, service: "shop-api", level: .info, sink: sink, clock: clock, metadataProvider: provider)
                }
                logger[metadataKey: "hb.request.id"] = "r-\(index)"
                logger[metadataKey: "zeta"] = "from the handler"
                logger[metadataKey: "alpha"] = .stringConvertible(7)
                return logger
            }
            logger(typed).log(.info, "request", fields: fields)
            logger(metadata).info("request", metadata: Logger.Metadata(fields.map { ($0.key, $0.value.metadata) }, uniquingKeysWith: { $1 }))
            var multiplexed = Logger(label: "shop-api") { _ in MultiplexLogHandler([logger(other).handler]) }
            multiplexed.logLevel = .info
            multiplexed.log(.info, "request", fields: fields)
            #expect(
                typed.lines.count == 1 && typed.lines == metadata.lines && typed.lines == other.lines,
                "\(typed.lines) \(metadata.lines) \(other.lines)")
            let object = try #require(try LogLines.objects(typed).first)
            #expect(object["request_id"] as? String == "r-\(index)" && object["trace_id"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
            #expect(object["timestamp"] as? String == clock.now().rfc3339)
            #expect(object["zeta"] as? String == (index == 1 ? "the field wins" : "from the handler"))
            if index == 0 {
                #expect(object["token"] as? String == "[redacted]" && !typed.lines[0].contains("secret-value"))
                #expect(object["path"] as? String == "/a\"b\\c\n\u{01}é" && object["bytes_out"] as? Int == -12)
            }
        }
        // Below the logger's level nothing is built or written.
        let quiet = LogSink.memory()
        Logger(label: "q") { JSONLogHandler(label: $0, service: "s", level: .warning, sink: quiet) }
            .log(
                .info, "request",
                fields: {
                    Issue.record("fields built below the level"); return []
                }())
        #expect(quiet.lines.isEmpty)
    }
}

extension LineField {
    /// The metadata a caller of swift-log would write for this field.
    var metadata: Logger.Metadata.Value {
        switch self {
        case .string(let string): .string(string)
        case .int(let int): .stringConvertible(int)
        case .number(let number): .stringConvertible(number)
        case .bool(let flag): .stringConvertible(flag)
        }
    }
}
