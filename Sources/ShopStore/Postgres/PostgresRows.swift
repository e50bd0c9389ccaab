import DatabaseObservation
import Foundation
import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import ShopSupport
import Synchronization
import _ConnectionPoolModule

/// Statements to bindings, answers to rows, bounded waits for an answer, and PostgreSQL's errors in the
/// store's terms.
extension PostgresDatabase {
    /// The result of a statement, or `StoreError.unreachable` when none arrives within `limit` (and then
    /// `onTimeout`, which closes the connection so its pool forgets it). postgres-nio writes a statement to its channel with no promise for the write:
    /// when PostgreSQL shuts down at that moment, the statement is dropped with the channel's handlers and its result
    /// never comes (seen under a burst while the database stopped, where it held a request and the service's
    /// shutdown forever).
    static func answer<Value: Sendable>(
        to result: EventLoopFuture<Value>, within limit: TimeAmount, onTimeout: @escaping @Sendable () -> Void
    ) -> EventLoopFuture<Value> {
        let answer = result.eventLoop.makePromise(of: Value.self)
        let settled = OnceFlag()
        let timer = result.eventLoop.scheduleTask(in: limit) {
            guard settled.claim() else { return }
            onTimeout()
            answer.fail(StoreError.unreachable("no answer from PostgreSQL within \(limit)"))
        }
        result.whenComplete { outcome in
            guard settled.claim() else { return }
            timer.cancel()
            answer.completeWith(outcome)
        }
        return answer.futureResult
    }

    static func bindings(_ statement: SQL) -> PostgresQuery {
        PostgresQuery(unsafeSQL: statement.text(placeholderPrefix: "$"), binds: bindings(statement.binds))
    }

    static func bindings(_ values: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            switch value {
            case .int(let int): bindings.append(int)
            case .text(let text): bindings.append(text)
            case .null: bindings.appendNull()
            }
        }
        return bindings
    }

    static func rows(_ result: PostgresQueryResult) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        rows.reserveCapacity(result.count)
        for row in result { rows.append(try self.row(row)) }
        return rows
    }

    static func row(_ row: PostgresRow) throws -> SQLRow {
        var values: [SQLValue] = []
        values.reserveCapacity(row.count)
        for cell in row {
            if cell.bytes == nil {
                values.append(.null)
            } else {
                switch cell.dataType {
                case .int2, .int4, .int8: values.append(.int(try cell.decode(Int64.self)))
                case .bool: values.append(.int(try cell.decode(Bool.self) ? 1 : 0))
                case .numeric:
                    // SUM over BIGINT is NUMERIC in PostgreSQL (INTEGER in SQLite); only whole numbers are expected.
                    let number = NSDecimalNumber(decimal: try cell.decode(Decimal.self))
                    guard number == NSDecimalNumber(value: number.int64Value) else { throw StoreError.corruptRow("non-integer \(number)") }
                    values.append(.int(number.int64Value))
                case .text, .varchar, .name, .bpchar: values.append(.text(try cell.decode(String.self)))
                case .void: values.append(.null)
                default: throw StoreError.corruptRow("unexpected column type \(cell.dataType)")
                }
            }
        }
        return SQLRow(values: values)
    }

    /// Unique violations become `StoreError.uniqueViolation`; lost connections `StoreError.unreachable`.
    /// Other server errors stay as they are, to be logged as internal failures.
    static func mapErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as ConnectionPoolError {
            // The pool gave up on connecting, or is shutting down (replaced, or the service is stopping).
            throw StoreError.unreachable("\(error)")
        } catch let error as PSQLError {
            if error.code == .server {
                let state = error.serverInfo?[.sqlState] ?? ""
                if state == "23505" {
                    throw StoreError.uniqueViolation(error.serverInfo?[.constraintName] ?? "unique")
                }
                // Class 08 (connection exception) and 57P0x (shutdown, cannot connect now).
                if state.hasPrefix("08") || state.hasPrefix("57P") {
                    throw StoreError.unreachable(state)
                }
                throw error
            }
            throw StoreError.unreachable("\(error.code)")
        }
    }
}

extension PostgresConnection {
    /// `query` through `PostgresDatabase.answer(to:within:onTimeout:)`: unanswered after `limit`, it fails as
    /// unreachable and the connection is closed.
    func boundedQuery(_ query: PostgresQuery, logger: Logger, within limit: TimeAmount) async throws -> PostgresQueryResult {
        try await bounded(self.query(query, logger: logger), within: limit)
    }

    /// The prepared `statement`'s rows, bounded the same way.
    func boundedExecute<Statement: PostgresPreparedStatement>(
        _ statement: Statement, logger: Logger, within limit: TimeAmount
    ) async throws -> [Statement.Row] where Statement.Row: Sendable {
        let rows = eventLoop.makePromise(of: [Statement.Row].self)
        rows.completeWithTask {
            var rows: [Statement.Row] = []
            for try await row in try await self.execute(statement, logger: logger) { rows.append(row) }
            return rows
        }
        return try await bounded(rows.futureResult, within: limit)
    }

    private func bounded<Value: Sendable>(_ result: EventLoopFuture<Value>, within limit: TimeAmount) async throws -> Value {
        try await PostgresDatabase.answer(to: result, within: limit) { self.close().whenComplete { _ in } }.get()
    }
}

/// A flag set once, shared by racing parties: whether a lease got its connection (read by its deadline),
/// whether a statement's answer or its timer came first.
final class OnceFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
    /// Sets the flag; true for the one caller that set it first.
    func claim() -> Bool { value.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
}
