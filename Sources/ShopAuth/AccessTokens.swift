import Foundation
import JWTKit
import ShopDomain

/// The claims of an access token: subject, role, issue and expiry times, and an optional start (`nbf`).
/// `exp` and `iat` are required (a token without them does not decode). Times are checked with
/// `clockSkewLeeway` either way, so servers whose clocks differ by a few seconds agree (RFC 7519 §4.1.4-5).
package struct AccessClaims: JWTPayload {
    package var sub: SubjectClaim
    package var role: String
    package var iat: IssuedAtClaim
    package var exp: ExpirationClaim
    package var nbf: NotBeforeClaim?

    /// How far apart the minting and the verifying clocks may be.
    package static let clockSkewLeeway: TimeInterval = 30

    package init(sub: SubjectClaim, role: String, iat: IssuedAtClaim, exp: ExpirationClaim, nbf: NotBeforeClaim? = nil) {
        (self.sub, self.role, self.iat, self.exp, self.nbf) = (sub, role, iat, exp, nbf)
    }

    package func verify(using algorithm: some JWTAlgorithm) async throws {
        try verifyTimes(at: Date())
    }

    /// Expired, not yet valid (`nbf`), or issued in the future (`iat`): a `claimVerificationFailure` naming the claim.
    package func verifyTimes(at now: Date) throws {
        try exp.verifyNotExpired(currentDate: now.addingTimeInterval(-Self.clockSkewLeeway))
        try nbf?.verifyNotBefore(currentDate: now.addingTimeInterval(Self.clockSkewLeeway))
        guard iat.value <= now.addingTimeInterval(Self.clockSkewLeeway) else {
            throw JWTError.claimVerificationFailure(failedClaim: iat, reason: "issued in the future")
        }
    }
}

/// HS256 keys from the shared secret: what the API verifies access tokens with, and what mints them for
/// `shop-api token` and for `shop-load`'s simulated customers.
package struct AccessTokenKeys: Sendable {
    /// HS256 wants a key at least as long as its 32-byte output.
    package static let minimumSecretLength = 32

    package let keys: JWTKeyCollection

    package init(secret: String) async throws(SecretTooShort) {
        guard secret.utf8.count >= Self.minimumSecretLength else { throw SecretTooShort() }
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    package func mint(subject: String, role: Role, lifetime: TimeInterval, now: Date = Date()) async throws -> String {
        let claims = AccessClaims(
            sub: .init(value: subject), role: role.rawValue, iat: .init(value: now), exp: .init(value: now.addingTimeInterval(lifetime)))
        return try await keys.sign(claims)
    }

    /// Where the embedded mode keeps its generated secret, in the API's data directory.
    package static func secretFile(inDataDirectory directory: String) -> String { directory + "/jwt-secret" }

    /// Tokens for a load test's simulated customers (`load-customer-00000`, …) and an admin one for its
    /// fault schedule.
    package func loadTestTokens(users: Int, lifetime: TimeInterval) async throws -> (customers: [String], admin: String) {
        var customers: [String] = []
        customers.reserveCapacity(users)
        for index in 0..<users {
            customers.append(try await mint(subject: String(format: "load-customer-%05d", index), role: .customer, lifetime: lifetime))
        }
        return (customers, try await mint(subject: "shop-load", role: .admin, lifetime: lifetime))
    }

    package struct SecretTooShort: Error, Sendable, CustomStringConvertible {
        package var description: String { "the JWT secret must be at least \(AccessTokenKeys.minimumSecretLength) bytes" }
    }
}
