import Foundation
import Glibc
import NIOCore
import Testing

@testable import ShopLoad

/// The load worker's event loop: when its alarm runs while the owner says it may wait.
@Suite struct SocketLoopTests {
    /// What ran on the loop's thread, and when (seconds from the start); read once the loop is done.
    final class Events: @unchecked Sendable {
        var happened: [(what: String, at: Double)] = []
        let start = NIODeadline.now()
        func note(_ what: String) { happened.append((what, Double((NIODeadline.now() - start).nanoseconds) / 1e9)) }
    }

    /// Notes the socket's bytes and ends the loop.
    final class Reader: SocketWatcher, @unchecked Sendable {
        let fd: Int32
        let loop: SocketLoop
        let events: Events
        init(fd: Int32, loop: SocketLoop, events: Events) { (self.fd, self.loop, self.events) = (fd, loop, events) }
        func socketReady(readable: Bool, writable: Bool, failed: Bool) {
            var byte: UInt8 = 0
            _ = read(fd, &byte, 1)
            events.note("socket")
            loop.finish()
        }
    }

    /// Runs a loop whose alarm is due at 20 ms and whose socket gets a byte at 150 ms (or never); the alarm ends
    /// the loop when no byte comes.
    static func run(alarmMayWait: Bool, byteAt: TimeAmount?) async throws -> [(what: String, at: Double)] {
        let loop = try SocketLoop()
        loop.collectInterval = .milliseconds(500)
        loop.alarmMayWait = { alarmMayWait }
        var pair: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0)
        defer { close(pair[0]); close(pair[1]) }
        let events = Events()
        let reader = Reader(fd: pair[0], loop: loop, events: events)
        if let byteAt {
            let writer = pair[1]
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(byteAt.nanoseconds))) {
                var byte: UInt8 = 1
                _ = write(writer, &byte, 1)
            }
        }
        await loop.runOnThread {
            loop.watch(reader.fd, by: reader, writable: false)
            loop.onAlarm {
                events.note("alarm")
                if byteAt == nil { loop.finish() }
            }
            loop.setAlarm(events.start + .milliseconds(20))
        }
        return events.happened
    }

    @Test func anAlarmThatMayWaitRunsAtTheNextWakeUpBeforeTheSockets() async throws {
        let events = try await Self.run(alarmMayWait: true, byteAt: .milliseconds(150))
        #expect(events.map(\.what) == ["alarm", "socket"])
        let alarm = try #require(events.first)
        #expect(alarm.at >= 0.15, "the alarm ran at \(alarm.at) s, before the byte came")
    }

    @Test func anAlarmThatMayWaitRunsAtTheLatestTheCollectIntervalAfterItWasDue() async throws {
        let events = try await Self.run(alarmMayWait: true, byteAt: nil)
        #expect(events.map(\.what) == ["alarm"])
        let alarm = try #require(events.first)
        #expect(alarm.at >= 0.52, "the alarm ran at \(alarm.at) s, before 20 ms + 500 ms")
    }

    @Test func anAlarmThatMayNotWaitWakesTheLoopOnTime() async throws {
        let events = try await Self.run(alarmMayWait: false, byteAt: .milliseconds(150))
        #expect(events.map(\.what) == ["alarm", "socket"])
        let alarm = try #require(events.first)
        #expect(alarm.at < 0.15, "the alarm ran at \(alarm.at) s, not at 20 ms")
    }
}
