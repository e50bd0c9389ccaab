import Foundation
import Logging
import Testing

@testable import JSONLogging

@Suite("Log sink")
struct LogSinkTests {
    /// The messages of the JSON lines readable from `descriptor` right now.
    static func readMessages(_ descriptor: Int32) throws -> [String] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return try String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return object?["message"] as? String ?? "not a JSON line: \(line)"
        }
    }

    @Test func infoLinesWaitForAFlushAndAWarningTakesThemOutInOrder() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        let sink = LogSink.descriptor(ends[1])
        let logger = Logger(label: "test") { JSONLogHandler(label: $0, service: "test", level: .info, sink: sink) }

        logger.info("first")
        logger.info("second")
        #expect(try Self.readMessages(ends[0]) == [])
        logger.warning("third")
        #expect(try Self.readMessages(ends[0]) == ["first", "second", "third"])
        logger.info("fourth")
        #expect(try Self.readMessages(ends[0]) == [])
        sink.flush()
        #expect(try Self.readMessages(ends[0]) == ["fourth"])
    }
}
