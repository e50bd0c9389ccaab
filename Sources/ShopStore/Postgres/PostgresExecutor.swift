import DatabaseObservation
import Foundation
import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import ShopSupport
import Synchronization
import _ConnectionPoolModule

extension PostgresDatabase {
    struct Executor: SQLExecutor {
        let connection: PostgresConnection
        let logger: Logger
        let observer: DatabaseObserver?
        let statementTimeout: TimeAmount

        func query(_ statement: SQL) async throws -> [SQLRow] {
            try await observer.observe(statement) {
                try await PostgresDatabase.mapErrors {
                    if let shape = statement.shape { return try await prepared(shape, statement) }
                    return try PostgresDatabase.rows(
                        try await connection.boundedQuery(PostgresDatabase.bindings(statement), logger: logger, within: statementTimeout))
                }
            }
        }

        /// `statement` as the named prepared statement `Shape`, which postgres-nio prepares on this
        /// connection the first time and reuses by name after: parsing and planning the order's call each
        /// time cost a fifth of its throughput in pgbench (-M prepared 3,036 calls/s, -M extended 2,513).
        func prepared<Shape: PreparedShape>(_ shape: Shape.Type, _ statement: SQL) async throws -> [SQLRow] {
            try await connection.boundedExecute(Prepared<Shape>(binds: statement.binds), logger: logger, within: statementTimeout)
                .map(PostgresDatabase.row)
        }
    }

    /// postgres-nio's prepared statement for a shape: its name and text from the shape, the binds from the
    /// statement, rows as they come.
    struct Prepared<Shape: PreparedShape>: PostgresPreparedStatement {
        static var name: String { Shape.name }
        static var sql: String { Shape.text }
        typealias Row = PostgresRow
        let binds: [SQLValue]

        func makeBindings() throws -> PostgresBindings {
            PostgresDatabase.bindings(binds)
        }

        func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
    }
}
