import ShopSupport

/// A person who signs in: a customer who registered, or staff made with `shop-api user create`. Its id
/// is the subject of its access tokens, so orders and audit rows name the id, never the email.
package struct Account: Sendable, Equatable {
    package let id: String
    /// Normalised (`EmailAddress`); personal data, kept out of logs, spans and audit rows.
    package let email: String
    /// bcrypt, with its cost and salt in it.
    package let passwordHash: String
    package let role: Role
    package let createdAt: Timestamp
    /// A disabled account cannot sign in or refresh; its access tokens run out within 15 minutes.
    package let disabledAt: Timestamp?

    package init(id: String, email: String, passwordHash: String, role: Role, createdAt: Timestamp, disabledAt: Timestamp? = nil) {
        (self.id, self.email, self.passwordHash, self.role, self.createdAt, self.disabledAt) = (id, email, passwordHash, role, createdAt, disabledAt)
    }
}
