import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import ShopStore

/// A statement whose answer never comes fails as unreachable in time, instead of holding its caller forever.
@Suite("Statement timeout")
struct StatementTimeoutTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    @Test func anAnswerInTimeIsPassedOn() async throws {
        let result = loop.makePromise(of: Int.self)
        let answer = PostgresDatabase.answer(to: result.futureResult, within: .seconds(5)) { Issue.record("timed out") }
        result.succeed(42)
        #expect(try await answer.get() == 42)
    }

    @Test func noAnswerFailsAsUnreachableAndClosesTheConnection() async throws {
        let result = loop.makePromise(of: Int.self)
        let closed = Atomic<Int>(0)
        let answer = PostgresDatabase.answer(to: result.futureResult, within: .milliseconds(50)) { closed.add(1, ordering: .relaxed) }
        await #expect(throws: StoreError.self) { try await answer.get() }
        #expect(closed.load(ordering: .relaxed) == 1)
        // An answer that comes after all is ignored, not a second completion.
        result.succeed(42)
        try await loop.submit {}.get()
        #expect(closed.load(ordering: .relaxed) == 1)
    }
}
