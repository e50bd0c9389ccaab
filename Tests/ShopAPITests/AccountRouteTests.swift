import Foundation
import HTTPTypes
import HummingbirdTesting
import JSONLogging
import Logging
import NIOCore
import ShopAPITestSupport
import ShopContract
import ShopDomain
import ShopMetrics
import ShopTestSupport
import Synchronization
import Testing

@testable import ShopAPI

/// `/v1/auth` through the router, on both stores: registration, sign-in, rotation with reuse detection,
/// sign-out, and the failed sign-in limit.
@Suite("Accounts")
struct AccountRouteTests {
    static let password = "correct horse battery staple"

    /// Test apps hash at bcrypt's lowest cost; the timing test sets its own.
    static func fast(_ configuration: inout AppConfiguration) { configuration.accounts.bcryptCost = 4 }

    static func credentials(_ email: String, _ password: String = password) -> String {
        #"{"email":"\#(email)","password":"\#(password)"}"#
    }

    static func refresh(_ token: String) -> String { #"{"refresh_token":"\#(token)"}"# }

    @Test(arguments: StoreKind.tested)
    func aCustomerRegistersSignsInRefreshesAndSignsOut(_ kind: StoreKind) async throws {
        try await TestApp.run(kind, configure: Self.fast) { client in
            let made = try await client.send(.post, "/v1/auth/register", json: Self.credentials("  Ann.Lee@Example.com "))
            #expect(made.status == .created)
            let account = try JSONBody(made.body)
            #expect(account["email"]?.string == "ann.lee@example.com" && account["role"]?.string == "customer")
            #expect(!String(buffer: made.body).contains("password") && !String(buffer: made.body).contains("$2b$"))
            let id = try #require(account["id"]?.string)

            let again = try await client.send(.post, "/v1/auth/register", json: Self.credentials("ann.lee@EXAMPLE.com", "another long passphrase"))
            #expect(try again.expectProblem(.conflict)["type"]?.string == "urn:shop:problem:already-exists")
            let weak = try await client.send(.post, "/v1/auth/register", json: Self.credentials("bob@example.com", "password1234"))
            #expect(try weak.expectProblem(.unprocessableContent)["errors"]?.array.first?["field"]?.string == "password")

            let signedIn = try await client.send(.post, "/v1/auth/token", json: Self.credentials("ANN.LEE@example.com"))
            #expect(signedIn.status == .ok && signedIn.headers[.cacheControl] == "no-store")
            let pair = try JSONBody(signedIn.body)
            #expect(pair["token_type"]?.string == "Bearer" && pair["expires_in"]?.int == 900 && pair["refresh_expires_in"]?.int == 30 * 86_400)
            let access = try #require(pair["access_token"]?.string)
            let first = try #require(pair["refresh_token"]?.string)
            // The access token is today's: its subject is the account, so its orders are the account's.
            let placed = try await client.send(.post, "/v1/orders", token: access, json: orderJSON(("SKU-00001", 1)))
            let order = try JSONBody(placed.body)
            #expect(placed.status == .created && order["customer_id"]?.string == id)
            #expect(try await client.send(.get, "/v1/admin/faults", token: access).status == .forbidden)

            let rotated = try await client.send(.post, "/v1/auth/refresh", json: Self.refresh(first))
            #expect(rotated.status == .ok)
            let second = try #require(try JSONBody(rotated.body)["refresh_token"]?.string)
            #expect(second != first)
            #expect(try await client.send(.get, "/v1/orders", token: try JSONBody(rotated.body)["access_token"]?.string ?? "").status == .ok)

            // The first token again: reuse. The whole sign-in ends, the current token with it.
            let reused = try await client.send(.post, "/v1/auth/refresh", json: Self.refresh(first))
            #expect(try reused.expectProblem(.unauthorized)["type"]?.string == "urn:shop:problem:invalid-credentials")
            #expect(try await client.send(.post, "/v1/auth/refresh", json: Self.refresh(second)).status == .unauthorized)

            let other = try JSONBody(try await client.send(.post, "/v1/auth/token", json: Self.credentials("ann.lee@example.com")).body)
            let otherRefresh = try #require(other["refresh_token"]?.string)
            #expect(try await client.send(.post, "/v1/auth/logout", json: Self.refresh(otherRefresh)).status == .noContent)
            #expect(try await client.send(.post, "/v1/auth/refresh", json: Self.refresh(otherRefresh)).status == .unauthorized)
            #expect(try await client.send(.post, "/v1/auth/logout", json: Self.refresh(otherRefresh)).status == .noContent, "the same answer")
            #expect(try await client.send(.post, "/v1/auth/refresh", json: Self.refresh("not-a-token")).status == .unauthorized)
            #expect(try await client.send(.post, "/v1/auth/refresh", json: "{}").status == .unprocessableContent)

            let samples = try await MetricsTests.scrape(client)
            #expect(samples["\(MetricNames.refreshes){outcome=\"reused\"}"] == 1)
            #expect(samples["\(MetricNames.refreshes){outcome=\"rotated\"}"] == 1)
            #expect(samples["\(MetricNames.refreshes){outcome=\"invalid\"}"] == 3)
            #expect(samples["\(MetricNames.signIns){outcome=\"success\"}"] == 2)
            #expect(samples["\(MetricNames.registrations){outcome=\"created\"}"] == 1)
            #expect(samples["\(MetricNames.registrations){outcome=\"exists\"}"] == 1)
            #expect(samples["\(MetricNames.registrations){outcome=\"rejected\"}"] == 1)
            #expect(samples["\(MetricNames.signOuts){outcome=\"revoked\"}"] == 1 && samples["\(MetricNames.signOuts){outcome=\"unknown\"}"] == 1)
        }
    }

    @Test(arguments: StoreKind.tested)
    func anUnknownEmailAndAWrongPasswordAreOneAnswer(_ kind: StoreKind) async throws {
        try await TestApp.run(kind, configure: Self.fast) { client in
            _ = try await client.send(.post, "/v1/auth/register", json: Self.credentials("ann@example.com"))
            let wrong = try await client.send(.post, "/v1/auth/token", json: Self.credentials("ann@example.com", "not the password at all"))
            let unknown = try await client.send(.post, "/v1/auth/token", json: Self.credentials("nobody@example.com", "not the password at all"))
            let first = try wrong.expectProblem(.unauthorized)
            let second = try unknown.expectProblem(.unauthorized)
            for field in ["type", "title", "detail"] { #expect(first[field]?.string == second[field]?.string, "\(field)") }
            #expect(first["type"]?.string == "urn:shop:problem:invalid-credentials")
            // bcrypt reads 72 bytes: a password that only shares them never matches.
            let longer = try await client.send(
                .post, "/v1/auth/token", json: Self.credentials("ann@example.com", Self.password + String(repeating: "x", count: 60)))
            #expect(longer.status == .unauthorized)
            #expect(try await client.send(.post, "/v1/auth/token", json: Self.credentials("not an email")).status == .unprocessableContent)
            let samples = try await MetricsTests.scrape(client)
            #expect(samples["\(MetricNames.signIns){outcome=\"failed\"}"] == 3)
        }
    }

    @Test func failedSignInsAreLimitedAndASuccessIsGivenBack() async throws {
        try await TestApp.run(configure: Self.fast) { client in
            for email in ["ann@example.com", "bob@example.com"] {
                _ = try await client.send(.post, "/v1/auth/register", json: Self.credentials(email))
            }
            func signIn(_ email: String, _ password: String) async throws -> TestResponse {
                try await client.send(.post, "/v1/auth/token", json: Self.credentials(email, password))
            }
            var codes: [Int] = []
            for _ in 0..<4 { codes.append(Int(try await signIn("ann@example.com", "wrong password, again").status.code)) }
            codes.append(Int(try await signIn("ann@example.com", Self.password).status.code))
            codes.append(Int(try await signIn("ann@example.com", "wrong password, again").status.code))
            let refused = try await signIn("ann@example.com", "wrong password, again")
            codes.append(Int(refused.status.code))
            // Four failures, a success (not counted), the fifth failure, then the limit.
            #expect(codes == [401, 401, 401, 401, 200, 401, 429])
            #expect((1...60).contains(Int(refused.headers[.retryAfter] ?? "") ?? 0))
            #expect(try refused.expectProblem(.tooManyRequests)["type"]?.string == "urn:shop:problem:rate-limited")
            #expect(try await signIn("ann@example.com", Self.password).status == .tooManyRequests, "the right password waits too")
            #expect(try await signIn("bob@example.com", Self.password).status == .ok, "another account is not limited")
            let samples = try await MetricsTests.scrape(client)
            #expect(samples["\(MetricNames.signIns){outcome=\"throttled\"}"] == 2)
        }
    }

    @Test func noLogLineHoldsAnEmailAPasswordOrAToken() async throws {
        let sink = LogSink.memory()
        let logger = Logger(label: "shop-api") { JSONLogHandler(label: $0, service: "shop-api", level: .debug, sink: sink) }
        let issued = Issued()
        try await TestApp.run(
            logger: logger,
            configure: {
                Self.fast(&$0); $0.logLevel = .debug
            }
        ) { client in
            _ = try await client.send(.post, "/v1/auth/register", json: Self.credentials("ann.secret.shopper@example.com"))
            _ = try await client.send(.post, "/v1/auth/token", json: Self.credentials("ann.secret.shopper@example.com", "a wrong password here"))
            let pair = try JSONBody(try await client.send(.post, "/v1/auth/token", json: Self.credentials("ann.secret.shopper@example.com")).body)
            let refresh = try #require(pair["refresh_token"]?.string)
            issued.tokens.withLock { $0 = [refresh, pair["access_token"]?.string ?? refresh] }
            _ = try await client.send(.post, "/v1/auth/refresh", json: Self.refresh(refresh))
            _ = try await client.send(.post, "/v1/auth/refresh", json: Self.refresh(refresh))
        }
        let lines = sink.lines
        let secrets = ["ann.secret.shopper@example.com", Self.password] + issued.tokens.withLock { $0 }
        #expect(secrets.count == 4)
        #expect(lines.filter { $0.contains("\"message\":\"request\"") }.count == 5, "one access line per request")
        for secret in secrets { #expect(!lines.contains { $0.contains(secret) }, "a log line holds \(secret.prefix(8))…") }
        #expect(!lines.contains { $0.lowercased().contains("ann.secret") })
        #expect(lines.contains { $0.contains("refresh token reused") })
    }
}

/// Tokens a test's server issued, read after it stops.
private final class Issued: Sendable {
    let tokens = Mutex<[String]>([])
}
