import Foundation
import Logging
import PostgresNIO
import ShopStore

/// The stores the suites run against.
package enum StoreKind: String, CaseIterable, Sendable {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when a server is configured (and always in CI, where its absence fails).
    package static var tested: [StoreKind] { TestPostgres.enabled ? [.sqlite, .postgres] : [.sqlite] }
}

/// PostgreSQL for tests: `SHOP_TEST_POSTGRES_URL` names a server and a role allowed to create databases
/// (`.ci/run` starts one). Each test gets a database of its own, dropped afterwards.
package enum TestPostgres {
    package static var adminURL: String? { ProcessInfo.processInfo.environment["SHOP_TEST_POSTGRES_URL"] }
    package static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    /// In CI the PostgreSQL tests always run, so a missing server fails them instead of skipping them.
    package static var enabled: Bool { adminURL != nil || inCI }
    package static let skipMessage = "set SHOP_TEST_POSTGRES_URL=postgres://user@127.0.0.1:5432/postgres to run the PostgreSQL tests"

    /// Creates a fresh database, passes its URL to `body`, then drops it.
    package static func withFreshDatabase<Result: Sendable>(_ body: (String) async throws -> Result) async throws -> Result {
        guard let adminURL else { throw MissingServer() }
        let name = "shop_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await withClient(url: adminURL) { client in
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        var components = URLComponents(string: adminURL)!
        components.path = "/\(name)"
        do {
            let result = try await body(components.string!)
            try await drop(name, adminURL: adminURL)
            return result
        } catch {
            try? await drop(name, adminURL: adminURL)
            throw error
        }
    }

    private static func drop(_ name: String, adminURL: String) async throws {
        try await withClient(url: adminURL) { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
        }
    }

    /// Runs a PostgresClient for the duration of `body`.
    static func withClient<Result: Sendable>(url: String, _ body: @Sendable (PostgresClient) async throws -> Result) async throws -> Result {
        let client = PostgresClient(configuration: try PostgresDatabase.configuration(url: url, maximumConnections: 4), backgroundLogger: quietLogger)
        return try await whileRunning({ await client.run() }) { try await body(client) }
    }

    package struct MissingServer: Error, CustomStringConvertible {
        package var description: String { "no PostgreSQL server for the tests: " + TestPostgres.skipMessage }
    }
}

package let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
}()

/// Runs `body` with a fresh, empty database of `kind`.
package func withTestDatabase<Result: Sendable>(_ kind: StoreKind, _ body: @Sendable (any SQLDatabase) async throws -> Result) async throws -> Result
{
    switch kind {
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shop-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await SQLiteDatabase.open(path: directory.appendingPathComponent("shop.sqlite").path, logger: quietLogger)
        do {
            let result = try await body(database)
            await database.close()
            return result
        } catch {
            await database.close()
            throw error
        }
    case .postgres:
        return try await TestPostgres.withFreshDatabase { url in try await withPostgresDatabase(url, body) }
    }
}

/// The PostgreSQL database at `url`, its pool running for the duration of `body`.
package func withPostgresDatabase<Result: Sendable>(
    _ url: String, maximumConnections: Int = 20, _ body: @Sendable (ShopStore.PostgresDatabase) async throws -> Result
) async throws -> Result {
    let database = ShopStore.PostgresDatabase(
        configuration: try ShopStore.PostgresDatabase.configuration(url: url, maximumConnections: maximumConnections), logger: quietLogger)
    return try await whileRunning({ await database.run() }) { try await body(database) }
}

/// A temporary directory for `body`, removed afterwards.
package func withTemporaryDirectory<Result: Sendable>(_ body: (String) async throws -> Result) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shop-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory.path)
}

/// Runs `body` while `service` (a connection pool's run loop) runs beside it, then cancels the service.
package func whileRunning<Result: Sendable>(_ service: @escaping @Sendable () async -> Void, _ body: () async throws -> Result) async throws -> Result
{
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask {
            await service()
            return nil
        }
        defer { group.cancelAll() }
        return try await body()
    }
}
