import ShopDomain

/// A database whose every statement waits the switchboard's added database latency first, so a rehearsal
/// can make the store slow without touching it.
package struct FaultInjectingDatabase: SQLDatabase {
    let base: any SQLDatabase
    let faults: FaultSwitchboard

    package init(_ base: any SQLDatabase, faults: FaultSwitchboard) {
        self.base = base
        self.faults = faults
    }

    package var dialect: SQLDialect { base.dialect }

    package func query(_ statement: SQL) async throws -> [SQLRow] {
        try await Self.delay(faults)
        return try await base.query(statement)
    }

    package func transaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await base.transaction { executor in try await body(Delayed(base: executor, faults: faults)) }
    }

    package func migrationTransaction<Result: Sendable>(_ body: @Sendable (any SQLExecutor) async throws -> Result) async throws -> Result {
        try await base.migrationTransaction(body)
    }

    package func run() async { await base.run() }
    package func close() async { await base.close() }

    static func delay(_ faults: FaultSwitchboard) async throws {
        let milliseconds = faults.faults.databaseLatencyMilliseconds
        if milliseconds > 0 { try await Task.sleep(for: .milliseconds(milliseconds)) }
    }

    private struct Delayed: SQLExecutor {
        let base: any SQLExecutor
        let faults: FaultSwitchboard

        func query(_ statement: SQL) async throws -> [SQLRow] {
            try await FaultInjectingDatabase.delay(faults)
            return try await base.query(statement)
        }
    }
}
