import DatabaseObservation
import Synchronization
import Testing

/// What a database client reports of each statement: its name, how long it took, whether it failed.
@Suite struct DatabaseObserverTests {
    struct Refused: Error {}

    final class Reports: Sendable {
        let statements = Mutex<[(String, Double, Bool)]>([])
    }

    @Test func eachStatementIsReportedOnceWithItsOutcome() async throws {
        let reports = Reports()
        let observer: DatabaseObserver? = DatabaseObserver(system: "sqlite") { name, seconds, failed in
            reports.statements.withLock { $0.append((name, seconds, failed)) }
        }
        let start = ContinuousClock.now
        let answer = try await observer.observe(operation: "select inventory") {
            try await Task.sleep(for: .milliseconds(20))
            return 42
        }
        let elapsed = ContinuousClock.now - start
        #expect(answer == 42)
        await #expect(throws: Refused.self) {
            try await observer.observe(operation: "update inventory") { () async throws -> Int in throw Refused() }
        }
        let seen = reports.statements.withLock { $0 }
        #expect(seen.map(\.0) == ["select inventory", "update inventory"])
        #expect(seen.map(\.2) == [false, true])
        // In seconds (in milliseconds it would be 20 or more), and the statement's own time, within the call's:
        // a fixed upper bound failed when the suite's start kept the sleeping task queued for 5 s.
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        #expect(seen[0].1 >= 0.02 && seen[0].1 <= seconds, "the statement's own duration in seconds, within the call's \(seconds) s")
    }

    @Test func withoutAnObserverTheStatementJustRuns() async throws {
        let none: DatabaseObserver? = nil
        var named = false
        let answer = try await none.observe(
            operation: {
                named = true; return "select"
            }()
        ) { 7 }
        #expect(answer == 7)
        #expect(!named, "the name is not even made")
    }
}
