import ShopDomain

/// What differs between the two SQL engines, in one place.
package enum SQLDialect: Sendable {
    case postgres
    case sqlite

    /// Locks the rows a SELECT reads until the transaction ends. SQLite has no row locks: its
    /// `BEGIN IMMEDIATE` already holds the one write lock for the whole transaction.
    var forUpdate: String { self == .postgres ? " FOR UPDATE" : "" }

    /// Independent data-modifying statements as few round trips as the engine allows: on PostgreSQL one
    /// statement (data-modifying CTEs), on SQLite the statements as they are.
    func batch(_ statements: [SQL]) -> [SQL] {
        guard self == .postgres, let last = statements.last, statements.count > 1 else { return statements }
        let ctes = statements.dropLast().enumerated().map { index, statement -> SQL in "step\(raw: String(index)) AS (\(statement))" }
        return ["WITH \(SQL.join(Array(ctes), separator: ", ")) \(last)"]
    }
}

/// Runs statements, inside a transaction or on its own.
package protocol SQLExecutor: Sendable {
    @discardableResult
    func query(_ statement: SQL) async throws -> [SQLRow]
}

/// A database: statements, transactions, and the dialect they are written in.
package protocol SQLDatabase: SQLExecutor {
    var dialect: SQLDialect { get }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws, with the
    /// body's error rethrown as it was.
    func transaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result

    /// Runs `body` in a transaction that holds the database-wide migration lock, so that two instances
    /// starting at once apply each migration exactly once.
    func migrationTransaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result

    /// Keeps the database's connections going until cancelled (PostgreSQL's pool needs it running).
    func run() async

    func close() async
}
