import Foundation
import ShopRedis
import ShopTestSupport
import Testing

@Suite("Redis client")
struct RedisClientTests {
    /// A client on `server`, shut down afterwards.
    static func withClient(
        _ server: TestRedisServer, commandTimeout: Duration = .milliseconds(250), _ body: (RedisClient) async throws -> Void
    ) async throws {
        var configuration = try RedisConfiguration(url: server.url, maximumConnections: 4)
        configuration.commandTimeout = commandTimeout
        let client = RedisClient(configuration: configuration)
        do {
            try await body(client)
            await client.shutdown()
        } catch {
            await client.shutdown()
            throw error
        }
    }

    @Test func repliesComeBackAsTheirTypes() async throws {
        try await withRedisServer { server in
            try await Self.withClient(server) { redis in
                let stored = try await redis.send("SET", "greeting", "héllo wörld\n\"quoted\"")
                #expect(stored == .status("OK"))
                #expect(try await redis.send("GET", "greeting") == .string("héllo wörld\n\"quoted\""))
                #expect(try await redis.send("SET", "empty", "") == .status("OK"))
                #expect(try await redis.send("GET", "empty") == .string(""))
                #expect(try await redis.send("GET", "missing") == .null)
                #expect(try await redis.send("INCRBY", "counter", "41") == .integer(41))
                #expect(try await redis.send("MGET", "counter", "missing") == .array([.string("41"), .null]))
            }
        }
    }

    @Test func aPipelineAnswersInOrderWithErrorRepliesInPlace() async throws {
        try await withRedisServer { server in
            try await Self.withClient(server) { redis in
                let replies = try await redis.pipeline([["SET", "a", "1"], ["INCR", "a"], ["HSET", "a", "field", "x"], ["GET", "a"]])
                #expect(replies.count == 4)
                #expect(replies[0] == .status("OK") && replies[1] == .integer(2) && replies[3] == .string("2"))
                guard case .error(let message) = replies[2] else {
                    Issue.record("expected an error reply, got \(replies[2])")
                    return
                }
                #expect(message.hasPrefix("WRONGTYPE"))
            }
        }
    }

    @Test func anErrorReplyIsThrownAndTheConnectionStaysUsable() async throws {
        try await withRedisServer { server in
            try await Self.withClient(server) { redis in
                try await redis.send("SET", "word", "abc")
                await #expect(throws: RedisError.self) { try await redis.send("INCR", "word") }
                #expect(try await redis.send("GET", "word") == .string("abc"))
            }
        }
    }

    @Test func concurrentCommandsShareThePoolWithoutLosingAny() async throws {
        try await withRedisServer { server in
            try await Self.withClient(server) { redis in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<200 { group.addTask { try await redis.send("INCR", "hits") } }
                    try await group.waitForAll()
                }
                #expect(try await redis.send("GET", "hits") == .string("200"))
            }
        }
    }

    @Test func nothingListeningIsUnavailableAtOnce() async throws {
        // Timeouts of a minute: a refusal must end the call, not the timer. (A 5 s bound on the default
        // 250 ms timeouts failed at 5.1 s when the suite's start kept the task queued behind hundreds.)
        let client = RedisClient(
            configuration: RedisConfiguration(port: try TestTools.freePort(), connectTimeout: .seconds(60), commandTimeout: .seconds(60)))
        let start = ContinuousClock.now
        await #expect(throws: RedisError.self) { try await client.send("PING") }
        #expect(ContinuousClock.now - start < .seconds(30))
        await client.shutdown()
    }

    @Test func aSlowCommandTimesOutAndTheNextOneWorks() async throws {
        try await withRedisServer { server in
            try await Self.withClient(server, commandTimeout: .milliseconds(100)) { redis in
                let start = ContinuousClock.now
                do {
                    try await redis.send("BLPOP", "nothing-here", "2")
                    Issue.record("BLPOP of an empty list answered within 100 ms")
                } catch let error as RedisError {
                    #expect(error == .timeout)
                }
                // Bounded by the 100 ms timeout, not by the 2 s the command would block: a generous margin.
                #expect(ContinuousClock.now - start < .seconds(1.5))
                #expect(try await redis.send("PING") == .status("PONG"))
            }
        }
    }

    @Test func theClientReconnectsWhenRedisComesBack() async throws {
        try await withRedisServer { server in
            try await Self.withClient(server) { redis in
                try await redis.send("SET", "before", "1")
                server.kill()
                await #expect(throws: RedisError.self) { try await redis.send("GET", "before") }
                try await server.start()
                // A fresh server (nothing saved): the key is gone, the client is back.
                #expect(try await redis.send("GET", "before") == .null)
                #expect(try await redis.send("SET", "after", "2") == .status("OK"))
            }
        }
    }

    @Test func urlsAreParsedAndBadOnesRefused() throws {
        let parsed = try RedisConfiguration(url: "redis://:s%40cret@cache.internal:6380/2")
        #expect(parsed.host == "cache.internal" && parsed.port == 6380 && parsed.password == "s@cret" && parsed.database == 2)
        #expect(try RedisConfiguration(url: "redis://localhost").port == 6379)
        for bad in ["http://localhost:6379", "redis://", "redis://host/db", "not a url"] {
            #expect(throws: RedisError.self, "\(bad)") { try RedisConfiguration(url: bad) }
        }
    }

    @Test func aPasswordAndDatabaseAreSentOnConnect() async throws {
        try await withRedisServer { server in
            try await Self.withClient(server) { admin in
                try await admin.send("CONFIG", "SET", "requirepass", "s3cret")
            }
            let wrong = RedisClient(configuration: try RedisConfiguration(url: "redis://:nope@127.0.0.1:\(server.port)"))
            await #expect(throws: RedisError.self) { try await wrong.send("PING") }
            await wrong.shutdown()
            let right = RedisClient(configuration: try RedisConfiguration(url: "redis://:s3cret@127.0.0.1:\(server.port)/3"))
            try await right.send("SET", "where", "three")
            #expect(try await right.send("GET", "where") == .string("three"))
            await right.shutdown()
            let other = RedisClient(configuration: try RedisConfiguration(url: "redis://:s3cret@127.0.0.1:\(server.port)/0"))
            #expect(try await other.send("GET", "where") == .null)
            await other.shutdown()
        }
    }
}
