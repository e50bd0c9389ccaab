import ShopDomain
import ShopSupport

/// What accounts and sign-in sessions ask of storage. `SQLShopRepository` implements it on both engines;
/// every change writes its audit row in the same transaction.
package protocol AccountRepository: Sendable {
    /// Stores a new account; `ShopError.alreadyExists` when its email has one. `actor` is who made it
    /// (the account itself on registration, `shop-api user create` for staff).
    func createAccount(_ account: Account, actor: String, at now: Timestamp) async throws
    func account(email: String) async throws -> Account?
    /// Disables the account with `email` and revokes every refresh token it holds, or enables it again;
    /// nil when there is no such account. Audited either way.
    func setDisabled(email: String, _ disabled: Bool, actor: String, at now: Timestamp) async throws -> Account?

    /// Starts a session: `token` opens a new family for `account`.
    func startSession(account: Account, token: StoredRefreshToken, at now: Timestamp) async throws
    /// Rotates the token with `id` whose secret hashes to what `matches` accepts: marks it used and stores
    /// `next` in its family. A token used before revokes its whole family (reuse detection).
    func rotate(id: String, matches: @Sendable (String) -> Bool, next: StoredRefreshToken, at now: Timestamp) async throws -> Rotation
    /// Revokes the family of the token with `id`, when its secret matches; false when there was nothing to revoke.
    func endSession(id: String, matches: @Sendable (String) -> Bool, at now: Timestamp) async throws -> Bool
}

/// A refresh token as stored: its id, the hash of its secret, and when it stops working.
package struct StoredRefreshToken: Sendable, Equatable {
    package let id: String
    package let secretHash: String
    package let expiresAt: Timestamp

    package init(id: String, secretHash: String, expiresAt: Timestamp) {
        (self.id, self.secretHash, self.expiresAt) = (id, secretHash, expiresAt)
    }
}

/// What presenting a refresh token came to.
package enum Rotation: Sendable, Equatable {
    /// The token was current: `next` now is, for this account.
    case rotated(Account)
    /// The token had been rotated already: its family is revoked now (an audit row says so).
    case reused(accountID: String)
    /// No such token, a secret that does not match, or a family revoked before.
    case invalid
    case expired
    /// The account is disabled: the family is revoked.
    case disabled
}
