import ShopAuth
import ShopDomain
import ShopMetrics
import ShopStore
import ShopSupport
import Tracing

/// New accounts: the email normalised, the password checked against the policy and hashed with bcrypt
/// off the event loops, the row and its audit row written together. Customers register through the API;
/// staff are made on the server (`shop-api user create`), which uses this too.
struct AccountRegistration: Sendable {
    let accounts: any AccountRepository
    let hasher: PasswordHasher
    let policy: PasswordPolicy
    let metrics: ShopMetrics
    let clock: any ShopClock

    /// The new account; `actor` names who made it in the audit row (the account itself when nil).
    func register(email text: String, password: String, role: Role = .customer, actor: String? = nil) async throws -> Account {
        let email: EmailAddress
        do {
            email = try EmailAddress(normalising: text)
            let issues = policy.issues(password, email: email)
            guard issues.isEmpty else { throw ShopError.validation(issues) }
        } catch {
            metrics.registration(.rejected)
            throw error
        }
        let now = clock.now()
        let hash = try await withSpan("bcrypt hash") { _ in try await hasher.hash(password) }
        let account = Account(id: Identifier.make(at: now), email: email.value, passwordHash: hash, role: role, createdAt: now)
        do {
            try await accounts.createAccount(account, actor: actor ?? account.id, at: now)
        } catch ShopError.alreadyExists(let resource) {
            metrics.registration(.exists)
            throw ShopError.alreadyExists(resource: resource)
        }
        metrics.registration(.created)
        return account
    }
}
