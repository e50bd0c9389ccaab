import Foundation
import Logging
import PostgresNIO

/// PostgreSQL through postgres-nio's `PostgresClient` pool. `run()` must be running (it is a service in
/// the application's service group) for queries to get connections.
public final class PostgresDatabase: SQLDatabase, Sendable {
    public let dialect = SQLDialect.postgres
    public let client: PostgresClient
    private let logger: Logger
    private let observer: DatabaseObserver?

    public init(configuration: PostgresClient.Configuration, logger: Logger, observer: DatabaseObserver? = nil) {
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
        self.observer = observer
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=disable|prefer|require`.
    public static func configuration(url: String, maximumConnections: Int) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url),
            components.scheme == "postgres" || components.scheme == "postgresql",
            let host = components.host, !host.isEmpty
        else { throw ConfigurationError("database URL must look like postgres://user:password@host:5432/database") }
        let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        default: throw ConfigurationError("sslmode must be disable, prefer or require, not \(sslMode)")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432,
            username: components.user?.removingPercentEncoding ?? "postgres",
            password: components.password?.removingPercentEncoding,
            database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = min(4, maximumConnections)
        configuration.options.connectTimeout = .seconds(2)
        return configuration
    }

    public func run() async {
        await client.run()
    }

    public func query(_ statement: SQL) async throws -> [SQLRow] {
        try await withLease { try await $0.query(statement) }
    }

    public func transaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await withLease { executor in
            try await executor.query("BEGIN")
            do {
                let result = try await body(executor)
                try await executor.query("COMMIT")
                return result
            } catch {
                _ = try? await executor.query("ROLLBACK")
                throw error
            }
        }
    }

    /// A pooled connection for `body`, its wait and use reported to the observer (postgres-nio's pool
    /// reports nothing of its own).
    private func withLease<Result: Sendable>(_ body: (Executor) async throws -> Result) async throws -> Result {
        observer?.lease(.requested)
        let requested = ContinuousClock.now
        var acquired = false
        defer {
            if !acquired { observer?.lease(.acquired(waitedSeconds: (ContinuousClock.now - requested).seconds)) }
            observer?.lease(.released)
        }
        return try await Self.mapErrors {
            try await client.withConnection { connection in
                acquired = true
                observer?.lease(.acquired(waitedSeconds: (ContinuousClock.now - requested).seconds))
                return try await body(Executor(connection: connection, logger: logger, observer: observer))
            }
        }
    }

    public func migrationTransaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await transaction { executor in
            // One arbitrary, fixed key for this schema's migrations; released at COMMIT or ROLLBACK.
            try await executor.query("SELECT pg_advisory_xact_lock(7297110)")
            return try await body(executor)
        }
    }

    public func close() async {}

    private struct Executor: SQLExecutor {
        let connection: PostgresConnection
        let logger: Logger
        let observer: DatabaseObserver?

        func query(_ statement: SQL) async throws -> [SQLRow] {
            try await observer.observe(statement) {
                try await PostgresDatabase.mapErrors { try await PostgresDatabase.collect(connection.query(PostgresDatabase.bindings(statement), logger: logger)) }
            }
        }
    }

    fileprivate static func bindings(_ statement: SQL) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: statement.binds.count)
        for value in statement.binds {
            switch value {
            case .int(let int): bindings.append(int)
            case .text(let text): bindings.append(text)
            case .null: bindings.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: statement.text(placeholderPrefix: "$"), binds: bindings)
    }

    fileprivate static func collect(_ rows: PostgresRowSequence) async throws -> [SQLRow] {
        var result: [SQLRow] = []
        for try await row in rows {
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
            result.append(SQLRow(values: values))
        }
        return result
    }

    /// Unique violations become `StoreError.uniqueViolation`; lost connections `StoreError.unreachable`.
    /// Other server errors stay as they are, to be logged as internal failures.
    static func mapErrors<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
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

/// A configuration mistake found at start: one line for the operator.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
