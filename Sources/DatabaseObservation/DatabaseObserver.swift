import ShopSupport
import Tracing

/// What a database tells about its work, for metrics and traces: every statement or command (also a client
/// span), and (PostgreSQL) every connection lease. One type for SQL and Redis, so both land in the same
/// `db_client_*` series and spans, told apart by `system`.
package struct DatabaseObserver: Sendable {
    /// `postgresql`, `sqlite` or `redis`, for span attributes and the metric label.
    package var system: String
    /// A statement's operation name, how long it took, and whether it failed.
    package var statement: @Sendable (_ operation: String, _ seconds: Double, _ failed: Bool) -> Void
    package var lease: @Sendable (_ event: LeaseEvent) -> Void

    package enum LeaseEvent: Sendable {
        case requested
        case acquired(waitedSeconds: Double)
        case released
    }

    package init(
        system: String, statement: @escaping @Sendable (String, Double, Bool) -> Void, lease: @escaping @Sendable (LeaseEvent) -> Void = { _ in }
    ) {
        self.system = system
        self.statement = statement
        self.lease = lease
    }

    /// Runs `body` in a client span named `operation` (bounded: a verb and a table or key space) and
    /// reports its duration under that name.
    package func observe<Result>(operation: String, _ body: () async throws -> Result) async throws -> Result {
        try await withSpan(operation, ofKind: .client) { span in
            span.attributes["db.system.name"] = system
            span.attributes["db.operation.name"] = operation
            let start = ContinuousClock.now
            do {
                let result = try await body()
                self.statement(operation, (ContinuousClock.now - start).seconds, false)
                return result
            } catch {
                self.statement(operation, (ContinuousClock.now - start).seconds, true)
                span.recordError(error)
                throw error
            }
        }
    }
}

extension Optional where Wrapped == DatabaseObserver {
    package func observe<Result>(operation: @autoclosure () -> String, _ body: () async throws -> Result) async throws -> Result {
        guard let observer = self else { return try await body() }
        return try await observer.observe(operation: operation(), body)
    }
}
