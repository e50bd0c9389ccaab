/// Thrown by `withDeadline` when the work did not finish in time.
package struct DeadlineExceeded: Error, Sendable {
    package let after: Duration
}

/// Runs `work`, cancelling it and throwing `DeadlineExceeded` if it takes longer than `limit`. Needed because
/// a PostgresClient query waits for a connection for as long as the pool keeps trying to make one.
package func withDeadline<Result: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> Result) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else { throw DeadlineExceeded(after: limit) }
        return result
    }
}
