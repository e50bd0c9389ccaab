import Foundation
import Synchronization

/// Where log lines go: standard output (or another file descriptor), or a buffer a test reads.
///
/// Standard output is buffered: a `write` system call per line, under a lock every request takes, cost
/// more than building the line. Lines collect in memory and go out in one write when 64 KiB are pending,
/// every 100 ms from a flusher thread, at exit, and at once with everything before them for a line at
/// `warning` or above. So a crash loses at most the last 100 ms of `info` lines, never a warning.
package final class LogSink: Sendable {
    private enum Target {
        case descriptor(Int32, pending: [UInt8])
        case memory([String])
    }

    private let target: Mutex<Target>
    private static let flushThreshold = 64 * 1024

    private init(_ target: Target) {
        self.target = Mutex(target)
    }

    package static let standardOutput: LogSink = {
        let sink = LogSink.descriptor(STDOUT_FILENO)
        Thread.detachNewThread {
            while true {
                Thread.sleep(forTimeInterval: 0.1)
                sink.flush()
            }
        }
        atexit { LogSink.standardOutput.flush() }
        return sink
    }()

    package static func memory() -> LogSink { LogSink(.memory([])) }
    /// Buffered like standard output, without the flusher thread: whoever makes it calls `flush()`.
    static func descriptor(_ descriptor: Int32) -> LogSink { LogSink(.descriptor(descriptor, pending: [])) }

    func write(_ line: [UInt8], urgent: Bool) {
        target.withLock { target in
            switch target {
            case .descriptor(let descriptor, var pending):
                target = .memory([])  // keeps `pending` uniquely referenced while it grows
                pending.append(contentsOf: line)
                pending.append(0x0A)
                if urgent || pending.count >= Self.flushThreshold {
                    Self.writeAll(pending, to: descriptor)
                    pending.removeAll(keepingCapacity: true)
                }
                target = .descriptor(descriptor, pending: pending)
            case .memory(var lines):
                target = .memory([])
                lines.append(String(decoding: line, as: UTF8.self))
                target = .memory(lines)
            }
        }
    }

    /// Writes out what is pending (descriptor sinks only).
    package func flush() {
        target.withLock { target in
            guard case .descriptor(let descriptor, var pending) = target, !pending.isEmpty else { return }
            target = .memory([])
            Self.writeAll(pending, to: descriptor)
            pending.removeAll(keepingCapacity: true)
            target = .descriptor(descriptor, pending: pending)
        }
    }

    /// One `write` loop under the lock, so lines from concurrent requests never interleave.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { break }
                offset += written
            }
        }
    }

    /// The lines written so far (memory sinks only).
    package var lines: [String] {
        target.withLock { if case .memory(let lines) = $0 { lines } else { [] } }
    }
}
