import Foundation
import HTTPTypes
import HummingbirdTesting
import ShopAPITestSupport
import ShopRedis
import ShopSupport
import ShopTestSupport
import Testing

@testable import ShopAPI

/// What an attacker of the sign-in sees: limits shared by every instance, and no way to tell by time
/// whether an account exists.
@Suite("Sign-in abuse")
struct SignInAbuseTests {
    typealias Accounts = AccountRouteTests

    /// Two instances of the API on one store and one Redis, each on a real socket (so each sees the
    /// client's address).
    static func twoInstances(
        _ kind: StoreKind, redis: String, _ body: @Sendable (any TestClientProtocol, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await withTemporaryDirectory { directory in
            var configuration = TestApp.configuration(dataDirectory: directory)
            configuration.redisURL = redis
            Accounts.fast(&configuration)
            func run(_ configuration: AppConfiguration) async throws {
                try await buildApplication(configuration).test(.live) { first in
                    try await buildApplication(configuration).test(.live) { second in try await body(first, second) }
                }
            }
            if kind == .postgres {
                try await TestPostgres.withFreshDatabase { url in
                    var configuration = configuration
                    configuration.databaseURL = url
                    try await run(configuration)
                }
            } else {
                try await run(configuration)
            }
        }
    }

    @Test(arguments: StoreKind.tested)
    func twoInstancesOnOneRedisShareTheFailedSignInLimits(_ kind: StoreKind) async throws {
        try await withRedisServer { server in
            let redis = RedisClient(configuration: try RedisConfiguration(url: server.url))
            defer { Task { await redis.shutdown() } }
            try await Self.twoInstances(kind, redis: server.url) { first, second in
                #expect(try await first.send(.post, "/v1/auth/register", json: Accounts.credentials("ann@example.com")).status == .created)
                // Per account: failures on either instance add up to one limit of 5.
                var codes: [Int] = []
                for attempt in 0..<6 {
                    let api = attempt.isMultiple(of: 2) ? first : second
                    codes.append(
                        Int(
                            try await api.send(.post, "/v1/auth/token", json: Accounts.credentials("ann@example.com", "guess number \(attempt)"))
                                .status.code))
                }
                #expect(codes == [401, 401, 401, 401, 401, 429])
                #expect(try await first.send(.post, "/v1/auth/token", json: Accounts.credentials("ann@example.com")).status == .tooManyRequests)

                // Per address: five unknown emails from one address, then a sixth is refused whichever it is.
                _ = try await redis.send("FLUSHALL")
                codes = []
                for attempt in 0..<6 {
                    let api = attempt.isMultiple(of: 2) ? second : first
                    codes.append(
                        Int(try await api.send(.post, "/v1/auth/token", json: Accounts.credentials("nobody\(attempt)@example.com")).status.code))
                }
                #expect(codes == [401, 401, 401, 401, 401, 429])
            }
        }
    }

    /// The bound: the median time of a sign-in with an unknown email is within 40% of the median with a
    /// wrong password, each measured 11 times, interleaved, at bcrypt cost 10 (about 60 ms here). Without
    /// the decoy hash an unknown email answers in about a millisecond: over 95% faster.
    @Test func anUnknownEmailTakesAsLongAsAWrongPassword() async throws {
        try await TestApp.run(configure: {
            $0.accounts.bcryptCost = 10; $0.rateLimits = .off
        }) { client in
            #expect(try await client.send(.post, "/v1/auth/register", json: Accounts.credentials("ann@example.com")).status == .created)
            func time(_ email: String) async throws -> Double {
                let start = ContinuousClock.now
                let answer = try await client.send(.post, "/v1/auth/token", json: Accounts.credentials(email, "a wrong password here"))
                #expect(answer.status == .unauthorized)
                return (ContinuousClock.now - start).seconds
            }
            var wrong: [Double] = []
            var unknown: [Double] = []
            _ = try await time("ann@example.com")
            for round in 0..<11 {
                if round.isMultiple(of: 2) {
                    wrong.append(try await time("ann@example.com"))
                    unknown.append(try await time("nobody\(round)@example.com"))
                } else {
                    unknown.append(try await time("nobody\(round)@example.com"))
                    wrong.append(try await time("ann@example.com"))
                }
            }
            let (w, u) = (wrong.sorted()[5], unknown.sorted()[5])
            #expect(abs(u - w) < 0.4 * w, "median \(u) s for an unknown email, \(w) s for a wrong password")
        }
    }
}
