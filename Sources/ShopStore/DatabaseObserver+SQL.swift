import DatabaseObservation

extension Optional where Wrapped == DatabaseObserver {
    /// Observes `statement` under its operation name (a verb and a table).
    func observe<Result>(_ statement: SQL, _ body: () async throws -> Result) async throws -> Result {
        try await observe(operation: statement.operationName, body)
    }
}
