import Foundation

/// Where Redis is and how patient to be with it.
package struct RedisConfiguration: Sendable, Equatable {
    package var host: String
    package var port: Int
    package var password: String?
    package var database: Int
    /// Connections (and threads running commands): the most commands in flight at once.
    package var maximumConnections: Int
    package var connectTimeout: Duration
    package var commandTimeout: Duration

    package init(
        host: String = "127.0.0.1", port: Int = 6379, password: String? = nil, database: Int = 0, maximumConnections: Int = 8,
        connectTimeout: Duration = .milliseconds(250), commandTimeout: Duration = .milliseconds(250)
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
        self.maximumConnections = maximumConnections
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// `redis://[:password@]host[:port][/database]`.
    package init(url: String, maximumConnections: Int = 8) throws {
        guard let components = URLComponents(string: url), components.scheme == "redis" else {
            throw RedisError.invalidURL("\(url) is not redis://host[:port][/database]")
        }
        guard let host = components.host, !host.isEmpty else { throw RedisError.invalidURL("\(url) names no host") }
        let path = components.path.drop { $0 == "/" }
        guard path.isEmpty || Int(path) != nil, (Int(path) ?? 0) >= 0 else {
            throw RedisError.invalidURL("the database in \(url) is not a number")
        }
        self.init(
            host: host, port: components.port ?? 6379, password: components.password.flatMap { $0.removingPercentEncoding },
            database: Int(path) ?? 0, maximumConnections: maximumConnections)
    }
}
