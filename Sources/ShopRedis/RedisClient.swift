import DatabaseObservation
import NIOPosix
import Synchronization

/// A Redis client on hiredis, the C library Debian ships.
///
/// Commands run on blocking hiredis connections, on a thread pool of the client's own (one thread per
/// connection), never on an event loop or the cooperative pool. hiredis's async API needs an event-library
/// adapter and ships them for libevent, libev and libuv but not SwiftNIO; a hand-written one would drive
/// hiredis's socket callbacks from NIO's selector, more code and more ways to wedge an event loop than a
/// blocking call bounded by socket timeouts. A pipeline sends a batch in one round trip on one thread hop.
///
/// A connection that fails or times out is dropped; the next call connects afresh, so the client
/// reconnects by itself once Redis is back. Error replies leave the connection in the pool.
package final class RedisClient: Sendable {
    package let configuration: RedisConfiguration
    private let threads: NIOThreadPool
    private let idle = Mutex<[RedisConnection]>([])
    private let observer: DatabaseObserver?

    package init(configuration: RedisConfiguration, observer: DatabaseObserver? = nil) {
        self.configuration = configuration
        self.observer = observer
        threads = NIOThreadPool(numberOfThreads: max(1, configuration.maximumConnections))
        threads.start()
    }

    /// One command; an error reply is thrown as `RedisError.reply`.
    @discardableResult
    package func send(_ command: String...) async throws -> RedisValue {
        try await send(command)
    }

    @discardableResult
    package func send(_ command: [String]) async throws -> RedisValue {
        let reply = try await pipeline([command])[0]
        if case .error(let message) = reply { throw RedisError.reply(message) }
        return reply
    }

    /// Every command in one round trip; the replies in order, error replies as `.error` values.
    package func pipeline(_ commands: [[String]]) async throws -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        // Bounded: the verb, chosen by the code, never a key.
        let operation = commands.count == 1 ? commands[0].first?.lowercased() ?? "empty" : "pipeline"
        return try await observer.observe(operation: operation) {
            do {
                return try await threads.runIfActive { try self.withConnection { try $0.run(commands) } }
            } catch is NIOThreadPoolError.ThreadPoolInactive {
                throw RedisError.unavailable("the client is shut down")
            }
        }
    }

    /// Stops the threads and closes the connections; calls after this fail with `unavailable`.
    package func shutdown() async {
        try? await threads.shutdownGracefully()
        idle.withLock { $0.removeAll() }
    }

    private func withConnection<Result>(_ body: (RedisConnection) throws -> Result) throws -> Result {
        let connection = try idle.withLock { $0.popLast() } ?? RedisConnection(configuration)
        let result = try body(connection)  // on a throw the connection is dropped, closed by its deinit
        idle.withLock { $0.append(connection) }
        return result
    }
}
