import Foundation
import JSONLogging
import Testing

/// JSON log lines as the tests read them.
package enum LogLines {
    /// Every line the sink holds, each a JSON object (a line that is not fails the test).
    package static func objects(_ sink: LogSink) throws -> [[String: Any]] {
        try sink.lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }
}
