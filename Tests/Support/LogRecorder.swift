import Logging
import Synchronization

/// A logger whose lines a test can read back: level, message and metadata.
package final class LogRecorder: Sendable {
    package struct Line: Sendable {
        package let level: Logger.Level
        package let message: String
        package let metadata: [String: String]
    }

    private let recorded = Mutex<[Line]>([])

    package init() {}

    package var lines: [Line] { recorded.withLock { $0 } }

    package func logger(level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "test") { _ in Handler(recorder: self) }
        logger.logLevel = level
        return logger
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String,
            function: String, line: UInt
        ) {
            let merged = metadata.merging(explicit ?? [:]) { _, new in new }
            let line = Line(level: level, message: message.description, metadata: merged.mapValues { "\($0)" })
            recorder.recorded.withLock { $0.append(line) }
        }
    }
}
