import DatabaseObservation
import Foundation
import Logging
import NIOPosix
import NIOSSL
import PostgresNIO
import ShopSupport
import Synchronization
import _ConnectionPoolModule

/// The database URL, the pool's settings made from it, and asking one connection why it is refused.
extension PostgresDatabase {
    /// Where the pool connects, for start-up lines: `PostgreSQL at host:port`.
    package static func name(of configuration: Configuration) -> String {
        "PostgreSQL at \(configuration.host ?? "?"):\(configuration.port ?? 5432)"
    }

    /// What a `postgres://user:password@host:port/database?sslmode=disable|prefer|require` URL says.
    struct Address {
        var host: String
        var port: Int
        var username: String
        var password: String?
        var database: String?
        var sslMode: SSLMode

        enum SSLMode: String { case disable, prefer, require }

        init(url: String) throws {
            guard let components = URLComponents(string: url),
                components.scheme == "postgres" || components.scheme == "postgresql",
                let host = components.host, !host.isEmpty
            else { throw ConfigurationError("database URL must look like postgres://user:password@host:5432/database") }
            let sslMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
            guard let mode = SSLMode(rawValue: sslMode) else {
                throw ConfigurationError("sslmode must be disable, prefer or require, not \(sslMode)")
            }
            self.sslMode = mode
            let database = String(components.path.drop(while: { $0 == "/" }))
            self.host = host
            port = components.port ?? 5432
            username = components.user?.removingPercentEncoding ?? "postgres"
            password = components.password?.removingPercentEncoding
            self.database = database.isEmpty ? nil : database
        }
    }

    /// The pool's configuration for the database at `url`.
    package static func configuration(url: String, maximumConnections: Int) throws -> PostgresClient.Configuration {
        let address = try Address(url: url)
        let tls: PostgresClient.Configuration.TLS
        switch address.sslMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: address.host, port: address.port, username: address.username, password: address.password, database: address.database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = min(4, maximumConnections)
        configuration.options.connectTimeout = .seconds(2)
        return configuration
    }

    /// Why PostgreSQL refuses a connection to the database at `url`, in its own words (a database that does
    /// not exist, a password it does not accept), or nil when one connects or nothing answers at all. The
    /// pool only ever says that it got no connection.
    package static func refusal(url: String, logger: Logger) async -> String? {
        do {
            let address = try Address(url: url)
            let tls: PostgresConnection.Configuration.TLS
            switch address.sslMode {
            case .disable: tls = .disable
            case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            var configuration = PostgresConnection.Configuration(
                host: address.host, port: address.port, username: address.username, password: address.password, database: address.database, tls: tls)
            configuration.options.connectTimeout = .seconds(2)
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch let error as PSQLError where error.code == .server {
            return error.serverInfo?[.message]
        } catch {
            return nil
        }
    }
}

/// A configuration mistake found at start: one line for the operator.
package struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }
}
