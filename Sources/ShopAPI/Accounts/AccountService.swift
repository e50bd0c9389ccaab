import Logging
import ShopAuth
import ShopDomain
import ShopMetrics
import ShopStore
import ShopSupport
import Tracing

/// Registration, sign-in, refresh and sign-out: the rules of BRIEF §2 and RFC 9700 around the store.
/// Sign-in answers a missing account and a wrong password alike, in words and in time (bcrypt runs on a
/// decoy hash when there is no account); refresh tokens rotate on every use, and a used one presented
/// again revokes its whole family.
struct AccountService: Sendable {
    let registration: AccountRegistration
    let tokens: TokenAuthority
    let throttle: SignInThrottle
    var accounts: any AccountRepository { registration.accounts }
    var hasher: PasswordHasher { registration.hasher }
    var metrics: ShopMetrics { registration.metrics }
    var clock: any ShopClock { registration.clock }

    /// What a sign-in or a refresh hands out.
    struct Session: Sendable {
        let accessToken: String
        let refreshToken: RefreshToken
    }

    /// Why a sign-in or a refresh is refused; the client sees one answer for all of them.
    struct Refused: Error {}

    /// An email and password for a session. Throttled per account and per address before any work:
    /// every attempt counts against both limits and a successful one is given back, so only failures add up.
    func signIn(email text: String, password: String, address: String?, logger: Logger) async throws -> Session {
        let email = try EmailAddress(normalising: text)
        let rules = throttle.rules(email: email, address: address)
        if let retryAfter = await throttle.attempt(rules) {
            metrics.signIn(.throttled)
            logger.notice("sign-in throttled")
            throw retryAfter
        }
        let account = try await accounts.account(email: email.value)
        // A password bcrypt would cut short could match on its first 72 bytes alone: it never matches here.
        let checkable = password.utf8.count <= PasswordPolicy.maximumBytes ? account?.passwordHash : nil
        let matches = try await withSpan("bcrypt verify") { _ in try await hasher.verify(password, against: checkable) }
        guard matches, let account else {
            metrics.signIn(.failed)
            logger.notice("sign-in failed")
            throw Refused()
        }
        guard account.disabledAt == nil else {
            metrics.signIn(.disabled)
            logger.notice("sign-in refused: account disabled", metadata: ["account": "\(account.id)"])
            throw Refused()
        }
        await throttle.succeeded(rules)
        let session = try await issue(for: account)
        try await accounts.startSession(account: account, token: stored(session.refreshToken), at: clock.now())
        metrics.signIn(.success)
        return session
    }

    /// A refresh token for the next session of its family; the one presented stops working.
    func refresh(_ presented: String, logger: Logger) async throws -> Session {
        guard let token = RefreshToken(presented: presented) else {
            metrics.refresh(.invalid)
            throw Refused()
        }
        let next = RefreshToken.generate()
        let rotation = try await accounts.rotate(
            id: token.id, matches: { token.matches(storedHash: $0) }, next: stored(next), at: clock.now())
        switch rotation {
        case .rotated(let account):
            metrics.refresh(.rotated)
            return try await issue(for: account, refreshToken: next)
        case .reused(let accountID):
            metrics.refresh(.reused)
            logger.warning("refresh token reused: every token of its sign-in is revoked", metadata: ["account": "\(accountID)"])
        case .invalid: metrics.refresh(.invalid)
        case .expired: metrics.refresh(.expired)
        case .disabled: metrics.refresh(.disabled)
        }
        throw Refused()
    }

    /// Revokes the refresh token's family. Answers alike whether or not there was one to revoke (RFC 7009 §2.2).
    func signOut(_ presented: String) async throws {
        guard let token = RefreshToken(presented: presented),
            try await accounts.endSession(id: token.id, matches: { token.matches(storedHash: $0) }, at: clock.now())
        else {
            metrics.signOut(.unknown)
            return
        }
        metrics.signOut(.revoked)
    }

    /// An access token for `account`, beside the refresh token that gets the next one.
    private func issue(for account: Account, refreshToken: RefreshToken = .generate()) async throws -> Session {
        Session(accessToken: try await tokens.mint(subject: account.id, role: account.role), refreshToken: refreshToken)
    }

    private func stored(_ token: RefreshToken) -> StoredRefreshToken {
        StoredRefreshToken(
            id: token.id, secretHash: token.secretHash, expiresAt: clock.now().adding(milliseconds: RefreshToken.lifetimeSeconds * 1000))
    }
}
