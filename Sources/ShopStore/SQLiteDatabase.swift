import DatabaseObservation
import Foundation
import Logging
import SQLiteNIO

/// The embedded default: one SQLite file in WAL mode, one connection, every statement through a FIFO gate.
package final class SQLiteDatabase: SQLDatabase, @unchecked Sendable {
    package let dialect = SQLDialect.sqlite
    private let connection: SQLiteConnection
    private let gate = SerialGate()

    /// Opens (creating if needed) the database file at `path`.
    package static func open(path: String, logger: Logger, observer: DatabaseObserver? = nil) async throws -> SQLiteDatabase {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let database = SQLiteDatabase(connection: connection, observer: observer)
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 10000"] {
            _ = try await connection.query(pragma, [])
        }
        return database
    }

    private let observer: DatabaseObserver?

    private init(connection: SQLiteConnection, observer: DatabaseObserver?) {
        self.connection = connection
        self.observer = observer
    }

    package func query(_ statement: SQL) async throws -> [SQLRow] {
        try await gate.withLock { try await self.run(statement) }
    }

    package func transaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await gate.withLock {
            _ = try await self.run("BEGIN IMMEDIATE")
            do {
                let result = try await body(Executor(database: self))
                _ = try await self.run("COMMIT")
                return result
            } catch {
                _ = try? await self.run("ROLLBACK")
                throw error
            }
        }
    }

    package func migrationTransaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        // BEGIN IMMEDIATE takes the file's write lock, which also excludes a second process.
        try await transaction(body)
    }

    /// One connection opened up front: nothing to run, so this only waits to be cancelled.
    package func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(3600))
        }
    }

    package func close() async {
        try? await connection.close()
    }

    /// Runs inside the gate: the transaction's own statements.
    private struct Executor: SQLExecutor {
        let database: SQLiteDatabase
        func query(_ statement: SQL) async throws -> [SQLRow] { try await database.run(statement) }
    }

    fileprivate func run(_ statement: SQL) async throws -> [SQLRow] {
        try await observer.observe(statement) { try await execute(statement) }
    }

    private func execute(_ statement: SQL) async throws -> [SQLRow] {
        let binds: [SQLiteData] = statement.binds.map {
            switch $0 {
            case .int(let value): .integer(Int(value))
            case .text(let value): .text(value)
            case .null: .null
            }
        }
        let rows: [SQLiteRow]
        do {
            rows = try await connection.query(statement.text(placeholderPrefix: "?"), binds)
        } catch let error as SQLiteError
            where [.constraintUniqueFailed, .constraintPrimaryKeyFailed].contains(error.reason)
            || (error.reason == .constraint && error.message.contains("UNIQUE"))
        {
            throw StoreError.uniqueViolation(error.message)
        }
        return try rows.map { row in
            SQLRow(
                values: try row.columns.map { column in
                    switch column.data {
                    case .integer(let value): .int(Int64(value))
                    case .text(let value): .text(value)
                    case .null: .null
                    case .float, .blob: throw StoreError.corruptRow("column \(column.name) is not INTEGER, TEXT or NULL")
                    }
                })
        }
    }
}
