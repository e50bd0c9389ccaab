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
        let answer = try await observer.observe(operation: "select inventory") {
            try await Task.sleep(for: .milliseconds(20))
            return 42
        }
        #expect(answer == 42)
        await #expect(throws: Refused.self) {
            try await observer.observe(operation: "update inventory") { () async throws -> Int in throw Refused() }
        }
        let seen = reports.statements.withLock { $0 }
        #expect(seen.map(\.0) == ["select inventory", "update inventory"])
        #expect(seen.map(\.2) == [false, true])
        #expect(seen[0].1 >= 0.02 && seen[0].1 < 5, "the statement's own duration in seconds")
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
