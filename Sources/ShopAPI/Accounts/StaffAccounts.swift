import Logging
import Prometheus
import ShopDomain
import ShopMetrics
import ShopStore
import ShopSupport

/// `shop-api user create`: a staff account (warehouse or admin) in the store the server would use, made
/// on the server's own machine because no API route may create staff.
package enum StaffAccounts {
    /// The new account, in the configuration's store (migrated first, as `serve` would).
    package static func create(
        _ configuration: AppConfiguration, email: String, password: String, role: Role, logger: Logger, clock: any ShopClock = SystemClock()
    ) async throws -> Account {
        var configuration = configuration
        configuration.requestTelemetry = false
        let metrics = ShopMetrics(registry: PrometheusCollectorRegistry())
        let postgres = try configuration.databaseURL.map { try PostgresDatabase.configuration(url: $0, maximumConnections: 2) }
        let database = try await ShopServices.database(configuration, postgres: postgres, metrics: metrics, logger: logger)
        let store = SQLShopRepository(database: database)
        let registration = ShopServices.registration(configuration, store: store, metrics: metrics, clock: clock)
        // The database is closed whatever happens: sqlite-nio traps on a connection left open.
        let outcome: Result<Account, any Error> = await withTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            defer { group.cancelAll() }
            do {
                try await withDeadline(configuration.startupTimeout) { try await Migrations.apply(to: database, at: clock.now()) }
                return .success(try await registration.register(email: email, password: password, role: role, actor: "shop-api user create"))
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
