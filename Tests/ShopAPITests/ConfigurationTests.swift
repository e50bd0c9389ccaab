import Foundation
import HummingbirdTesting
import ShopAPI
import ShopStore
import ShopTestSupport
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    @Test func postgreSQLWithoutASecretIsAStartUpError() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = TestApp.configuration(dataDirectory: directory)
            configuration.jwtSecret = nil
            configuration.databaseURL = "postgres://shop@127.0.0.1:1/shop"
            await #expect(throws: ConfigurationError.self) { _ = try await buildApplication(configuration) }
        }
    }

    @Test func aShortSecretOrABadDatabaseURLIsAStartUpError() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = TestApp.configuration(dataDirectory: directory)
            configuration.jwtSecret = "short"
            await #expect(throws: ConfigurationError.self) { _ = try await buildApplication(configuration) }
            configuration.jwtSecret = TestApp.secret
            configuration.databaseURL = "mysql://somewhere/db"
            await #expect(throws: ConfigurationError.self) { _ = try await buildApplication(configuration) }
        }
    }

    @Test func anUnreachableDatabaseAtStartIsAClearErrorWithinTheDeadline() async throws {
        try await withTemporaryDirectory { directory in
            var configuration = TestApp.configuration(dataDirectory: directory)
            configuration.databaseURL = "postgres://shop@127.0.0.1:1/shop"
            configuration.startupTimeout = .seconds(1)
            let started = ContinuousClock.now
            await #expect(throws: ConfigurationError.self) {
                try await buildApplication(configuration).test(.router) { _ in }
            }
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test func theEmbeddedModeGeneratesASecretOnceAndKeepsItPrivate() throws {
        try withTemporaryDirectorySync { directory in
            let first = try EmbeddedSecret.loadOrCreate(dataDirectory: directory + "/data")
            let second = try EmbeddedSecret.loadOrCreate(dataDirectory: directory + "/data")
            #expect(first.created && !second.created)
            #expect(first.secret == second.secret && first.secret.utf8.count == 64)
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/data/jwt-secret")
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
    }

    func withTemporaryDirectorySync(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shop-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory)
    }
}
