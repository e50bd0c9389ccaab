import Logging
import Prometheus
import ShopAuth
import ShopDomain
import ShopMetrics
import ShopStore
import ShopSupport

/// `shop-api user`: accounts handled on the server's own machine, in the store the server would use
/// (migrated first, as `serve` would). Staff are made here because no API route may create them; any
/// account is disabled or enabled here.
package enum AccountAdministration {
    /// A new staff account.
    package static func create(
        _ configuration: AppConfiguration, email: String, password: String, role: Role, logger: Logger, clock: any ShopClock = SystemClock()
    ) async throws -> Account {
        try await withStore(configuration, logger: logger, clock: clock) { store, metrics in
            let registration = ShopServices.registration(configuration, store: store, metrics: metrics, clock: clock)
            return try await registration.register(email: email, password: password, role: role, actor: "shop-api user create")
        }
    }

    /// Disables the account (it can no longer sign in or refresh, and every refresh token it holds is
    /// revoked; access tokens already issued run out within 15 minutes) or enables it again. Nil when
    /// the email has no account.
    package static func setDisabled(
        _ configuration: AppConfiguration, email text: String, disabled: Bool, logger: Logger, clock: any ShopClock = SystemClock()
    ) async throws -> Account? {
        let email = try EmailAddress(normalising: text)
        return try await withStore(configuration, logger: logger, clock: clock) { store, _ in
            try await store.setDisabled(email: email.value, disabled, actor: "shop-api user \(disabled ? "disable" : "enable")", at: clock.now())
        }
    }

    /// Runs `body` on the configuration's store, migrated; the database is closed whatever happens
    /// (sqlite-nio traps on a connection left open).
    private static func withStore<Result: Sendable>(
        _ configuration: AppConfiguration, logger: Logger, clock: any ShopClock,
        _ body: @Sendable (SQLShopRepository, ShopMetrics) async throws -> Result
    ) async throws -> Result {
        var configuration = configuration
        configuration.requestTelemetry = false
        let metrics = ShopMetrics(registry: PrometheusCollectorRegistry())
        let postgres = try configuration.databaseURL.map { try PostgresDatabase.configuration(url: $0, maximumConnections: 2) }
        let database = try await ShopServices.database(configuration, postgres: postgres, metrics: metrics, logger: logger)
        let outcome: Swift.Result<Result, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            defer { group.cancelAll() }
            do {
                try await withDeadline(configuration.startupTimeout) { try await Migrations.apply(to: database, at: clock.now()) }
                return .success(try await body(SQLShopRepository(database: database), metrics))
            } catch is DeadlineExceeded {
                let store = postgres.map(PostgresDatabase.name(of:)) ?? configuration.sqlitePath
                return .failure(ConfigurationError("\(store) did not answer within \(configuration.startupTimeout)"))
            } catch {
                return .failure(error)
            }
        }
        await database.close()
        return try outcome.get()
    }
}
