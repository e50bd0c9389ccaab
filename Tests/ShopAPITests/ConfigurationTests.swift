import Foundation
import HummingbirdTesting
import ShopAPI
import ShopAPITestSupport
import ShopStore
import ShopTestSupport
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    struct BadConfiguration: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let change: @Sendable (inout AppConfiguration) -> Void
        /// What the one-line error must say.
        let message: String
    }

    static let badConfigurations = [
        BadConfiguration(
            testDescription: "PostgreSQL without a secret",
            change: {
                $0.jwtSecret = nil
                $0.databaseURL = "postgres://shop@127.0.0.1:1/shop"
            }, message: "with PostgreSQL a JWT secret is required"),
        BadConfiguration(testDescription: "a short secret", change: { $0.jwtSecret = "short" }, message: "at least 32 bytes"),
        BadConfiguration(testDescription: "not a PostgreSQL URL", change: { $0.databaseURL = "mysql://somewhere/db" }, message: "postgres://"),
        BadConfiguration(testDescription: "an unknown sslmode", change: { $0.databaseURL = "postgres://u@h/db?sslmode=maybe" }, message: "sslmode"),
    ]

    @Test(arguments: badConfigurations)
    func aBadConfigurationIsAOneLineStartUpError(_ bad: BadConfiguration) async throws {
        try await withTemporaryDirectory { directory in
            var configuration = TestApp.configuration(dataDirectory: directory)
            bad.change(&configuration)
            let error = await #expect(throws: ConfigurationError.self) { _ = try await buildApplication(configuration) }
            #expect(error?.description.contains(bad.message) == true, "\(String(describing: error))")
            #expect(error?.description.contains("\n") == false)
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
}
