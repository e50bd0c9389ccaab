import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTKit
import ShopAPITestSupport
import ShopAuth
import ShopContract
import ShopDomain
import ShopMetrics
import Testing

@testable import ShopAPI

/// Each claim of an access token, checked as RFC 7519 and RFC 7515 say, with the leeway
/// `AccessClaims.clockSkewLeeway` (30 s) either way.
@Suite("Access token claims")
struct AccessTokenClaimTests {
    /// Claims as a forger or another issuer might write them: any of them may be missing.
    struct LooseClaims: JWTPayload {
        var sub: SubjectClaim? = .init(value: "alice")
        var role: String? = "customer"
        var iat: IssuedAtClaim? = .init(value: Date())
        var exp: ExpirationClaim? = .init(value: Date().addingTimeInterval(900))
        var nbf: NotBeforeClaim?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    struct Case: Sendable {
        let name: String
        let claims: @Sendable (inout LooseClaims) -> Void
        var header: [String: JWTHeaderField] = [:]
        /// Nil: accepted.
        let refused: ShopMetrics.AuthFailureReason?
    }

    static let cases: [Case] = [
        Case(name: "a fresh token", claims: { _ in }, refused: nil),
        Case(name: "nbf an hour ahead", claims: { $0.nbf = .init(value: Date().addingTimeInterval(3600)) }, refused: .notYetValid),
        Case(name: "nbf within the leeway", claims: { $0.nbf = .init(value: Date().addingTimeInterval(10)) }, refused: nil),
        Case(name: "nbf in the past", claims: { $0.nbf = .init(value: Date().addingTimeInterval(-60)) }, refused: nil),
        Case(name: "iat an hour ahead", claims: { $0.iat = .init(value: Date().addingTimeInterval(3600)) }, refused: .notYetValid),
        Case(name: "iat within the leeway", claims: { $0.iat = .init(value: Date().addingTimeInterval(10)) }, refused: nil),
        Case(name: "expired a minute ago", claims: { $0.exp = .init(value: Date().addingTimeInterval(-60)) }, refused: .expired),
        Case(name: "expired within the leeway", claims: { $0.exp = .init(value: Date().addingTimeInterval(-10)) }, refused: nil),
        Case(name: "no exp", claims: { $0.exp = nil }, refused: .invalid),
        Case(name: "no iat", claims: { $0.iat = nil }, refused: .invalid),
        Case(name: "no role", claims: { $0.role = nil }, refused: .invalid),
        Case(name: "an unknown role", claims: { $0.role = "root" }, refused: .unknownRole),
        Case(name: "an empty subject", claims: { $0.sub = .init(value: "") }, refused: .unknownRole),
        Case(name: "an unknown critical extension", claims: { _ in }, header: ["crit": .array([.string("foo")])], refused: .invalid),
        Case(name: "crit not a list", claims: { _ in }, header: ["crit": .string("foo")], refused: .invalid),
    ]

    static func sign(_ input: Case) async throws -> String {
        var claims = LooseClaims()
        input.claims(&claims)
        var header = JWTHeader(fields: input.header)
        header.alg = "HS256"
        header.typ = "JWT"
        return try await AccessTokenKeys(secret: TestApp.secret).keys.sign(claims, header: header)
    }

    /// Every case against one server (an app per case made the suite a load of its own beside the timing-
    /// sensitive ones), each judged by its answer and by what it added to the refusal counters.
    @Test func eachClaimIsHonoured() async throws {
        try await TestApp.run { client in
            for input in Self.cases {
                // Signed just before it is sent: a case within the leeway by seconds stays within it however
                // slowly the cases before it ran (signed all at first, one expired in a loaded full suite).
                let token = try await Self.sign(input)
                let before = try await MetricsTests.scrape(client)
                let response = try await client.send(.get, "/v1/orders", token: token)
                let after = try await MetricsTests.scrape(client)
                func added(_ reason: ShopMetrics.AuthFailureReason) -> Double {
                    let key = "\(MetricNames.authFailures){reason=\"\(reason.rawValue)\"}"
                    return (after[key] ?? 0) - (before[key] ?? 0)
                }
                if let reason = input.refused {
                    let problem = try response.expectProblem(.unauthorized)
                    #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true, "\(input.name)")
                    #expect(problem["detail"]?.string?.isEmpty == false, "\(input.name)")
                    #expect(added(reason) == 1, "\(input.name) counted as \(reason.rawValue)")
                } else {
                    #expect(response.status == .ok, "\(input.name)")
                    #expect(ShopMetrics.AuthFailureReason.allCases.allSatisfy { added($0) == 0 }, "\(input.name)")
                }
            }
        }
    }

    @Test func notABearerTokenIsMalformed() async throws {
        try await TestApp.run { client in
            try await client.send(.get, "/v1/orders", headers: [.authorization: "Basic YWxpY2U6c2VjcmV0"]).expectProblem(.unauthorized)
            try await client.send(.get, "/v1/orders", token: "not-a-jwt").expectProblem(.unauthorized)
            let samples = try await MetricsTests.scrape(client)
            #expect(samples["\(MetricNames.authFailures){reason=\"malformed\"}"] == 2)
        }
    }
}
