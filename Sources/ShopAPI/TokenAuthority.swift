import Foundation
import JWTKit
import ShopAuth
import ShopDomain
import ShopMetrics
import ShopStore
import ShopSupport

/// Mints and verifies HS256 access tokens. Verification is by signature and expiry alone: no database.
package final class TokenAuthority: Sendable {
    /// Access tokens live 15 minutes unless minted for longer on purpose (`shop-api token --ttl`).
    package static let defaultLifetime: TimeInterval = 15 * 60
    package static let minimumSecretLength = AccessTokenKeys.minimumSecretLength

    private let keys: AccessTokenKeys
    /// Tokens already verified, until they expire (a minute at most): a client sends the same token on
    /// every request, and verifying it (HMAC and two JSON decodes) is a large share of a cheap request.
    private let verified: ExpiringCache<String, Principal>

    package init(secret: String, clock: any ShopClock = SystemClock()) async throws {
        do {
            keys = try await AccessTokenKeys(secret: secret)
        } catch {
            throw ConfigurationError(error.description)
        }
        verified = ExpiringCache(timeToLiveMilliseconds: 60_000, capacity: 10_000, clock: clock)
    }

    package func mint(subject: String, role: Role, lifetime: TimeInterval = defaultLifetime, now: Date = Date()) async throws -> String {
        try await keys.mint(subject: subject, role: role, lifetime: lifetime, now: now)
    }

    /// Why a token was refused: the reason for metrics, and what the 401 says.
    struct Refusal: Error {
        let reason: ShopMetrics.AuthFailureReason
        let detail: String
    }

    /// The caller named by a valid token, or a `Refusal` saying what is wrong with it.
    func verify(_ token: String) async throws(Refusal) -> Principal {
        if let principal = verified[token] { return principal }
        let claims: AccessClaims
        do {
            claims = try await keys.keys.verify(token, as: AccessClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw error.failedClaim is ExpirationClaim
                ? Refusal(reason: .expired, detail: "the token has expired")
                : Refusal(reason: .notYetValid, detail: "the token is not valid yet (nbf or iat in the future)")
        } catch {
            throw Refusal(
                reason: token.split(separator: ".", omittingEmptySubsequences: false).count == 3 ? .invalid : .malformed,
                detail: "the token is not valid")
        }
        // RFC 7515 §4.1.11: a critical extension this server does not understand (it understands none) voids the token.
        // Any `crit` at all, well-formed or not, is refused; the signature was checked first, so this costs
        // a forger nothing extra to provoke.
        if let header = try? DefaultJWTParser().parse(Array(token.utf8), as: AccessClaims.self).header, header.fields["crit"] != nil {
            let names = header.crit?.joined(separator: ", ") ?? "(not a list of names)"
            throw Refusal(reason: .invalid, detail: "the token requires extensions this server does not support: \(names)")
        }
        guard let role = Role(rawValue: claims.role), !claims.sub.value.isEmpty else {
            throw Refusal(reason: .unknownRole, detail: "the token names no known role")
        }
        let principal = Principal(subject: claims.sub.value, role: role)
        let expiry = Timestamp(millisecondsSinceEpoch: Int64(claims.exp.value.timeIntervalSince1970 * 1000))
        verified.store(principal, for: token, expiresAt: expiry)
        return principal
    }
}
