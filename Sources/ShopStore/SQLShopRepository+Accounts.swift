import ShopDomain
import ShopSupport

extension SQLShopRepository: AccountRepository {
    package func createAccount(_ account: Account, actor: String, at now: Timestamp) async throws {
        do {
            try await database.transaction { db in
                try await db.query(
                    """
                    INSERT INTO accounts (id, email, password_hash, role, created_at_ms, disabled_at_ms)
                    VALUES (\(account.id), \(account.email), \(account.passwordHash), \(account.role.rawValue), \(account.createdAt), \(SQLValue.null))
                    """)
                try await db.query(
                    Self.auditRow(actor: actor, action: "account.create", subject: account.id, detail: "role \(account.role.rawValue)", at: now))
            }
        } catch StoreError.uniqueViolation {
            throw ShopError.alreadyExists(resource: "account")
        }
    }

    package func account(email: String) async throws -> Account? {
        try await database.query(Self.accountRead(email: email)).first.map { try Self.account(from: $0, at: 0) }
    }

    package func setDisabled(email: String, _ disabled: Bool, actor: String, at now: Timestamp) async throws -> Account? {
        try await database.transaction { db in
            guard let row = try await db.query(Self.accountRead(email: email)).first else { return nil }
            let account = try Self.account(from: row, at: 0)
            // Disabled since the first time it was disabled.
            let since = disabled ? account.disabledAt ?? now : nil
            try await db.query(
                "UPDATE accounts SET disabled_at_ms = \(since.map { SQLValue.int($0.millisecondsSinceEpoch) } ?? .null) WHERE id = \(account.id)")
            if disabled {
                try await db.query("UPDATE refresh_tokens SET revoked_at_ms = \(now) WHERE account_id = \(account.id) AND revoked_at_ms IS NULL")
            }
            try await db.query(
                Self.auditRow(actor: actor, action: disabled ? "account.disable" : "account.enable", subject: account.id, detail: "", at: now))
            return Account(
                id: account.id, email: account.email, passwordHash: account.passwordHash, role: account.role, createdAt: account.createdAt,
                disabledAt: since)
        }
    }

    package func startSession(account: Account, token: StoredRefreshToken, at now: Timestamp) async throws {
        try await database.transaction { db in
            try await db.query(Self.insert(token, family: token.id, accountID: account.id, at: now))
            try await db.query(Self.auditRow(actor: account.id, action: "session.start", subject: token.id, detail: "signed in", at: now))
        }
    }

    package func rotate(id: String, matches: @Sendable (String) -> Bool, next: StoredRefreshToken, at now: Timestamp) async throws -> Rotation {
        let dialect = database.dialect
        return try await database.transaction { db in
            // The row lock queues two presentations of one token: the second finds it used.
            let rows = try await db.query(
                """
                SELECT t.family_id, t.secret_hash, t.expires_at_ms, t.used_at_ms, t.revoked_at_ms,
                       a.id, a.email, a.password_hash, a.role, a.created_at_ms, a.disabled_at_ms
                FROM refresh_tokens t JOIN accounts a ON a.id = t.account_id WHERE t.id = \(id)\(raw: dialect.forUpdate)
                """)
            guard let row = rows.first, matches(try row.text(1)) else { return .invalid }
            let family = try row.text(0)
            let account = try Self.account(from: row, at: 5)
            if try row.optionalInt(4) != nil { return .invalid }
            if try row.optionalInt(3) != nil {
                try await Self.revoke(db, family: family, at: now)
                try await db.query(
                    Self.auditRow(
                        actor: account.id, action: "session.reuse", subject: family,
                        detail: "a rotated refresh token was presented again; every token of the sign-in is revoked", at: now))
                return .reused(accountID: account.id)
            }
            if try row.timestamp(2) <= now { return .expired }
            if account.disabledAt != nil {
                try await Self.revoke(db, family: family, at: now)
                return .disabled
            }
            try await db.query("UPDATE refresh_tokens SET used_at_ms = \(now) WHERE id = \(id)")
            try await db.query(Self.insert(next, family: family, accountID: account.id, at: now))
            return .rotated(account)
        }
    }

    package func endSession(id: String, matches: @Sendable (String) -> Bool, at now: Timestamp) async throws -> Bool {
        try await database.transaction { db in
            let rows = try await db.query("SELECT family_id, secret_hash, account_id, revoked_at_ms FROM refresh_tokens WHERE id = \(id)")
            guard let row = rows.first, matches(try row.text(1)), try row.optionalInt(3) == nil else { return false }
            let family = try row.text(0)
            try await Self.revoke(db, family: family, at: now)
            try await db.query(Self.auditRow(actor: try row.text(2), action: "session.end", subject: family, detail: "signed out", at: now))
            return true
        }
    }

    private static func insert(_ token: StoredRefreshToken, family: String, accountID: String, at now: Timestamp) -> SQL {
        """
        INSERT INTO refresh_tokens (id, family_id, account_id, secret_hash, issued_at_ms, expires_at_ms)
        VALUES (\(token.id), \(family), \(accountID), \(token.secretHash), \(now), \(token.expiresAt))
        """
    }

    private static func revoke(_ db: any SQLExecutor, family: String, at now: Timestamp) async throws {
        try await db.query("UPDATE refresh_tokens SET revoked_at_ms = \(now) WHERE family_id = \(family) AND revoked_at_ms IS NULL")
    }

    /// The account with `email`, in the six columns `account(from:at:)` reads.
    private static func accountRead(email: String) -> SQL {
        "SELECT id, email, password_hash, role, created_at_ms, disabled_at_ms FROM accounts WHERE email = \(email)"
    }

    /// An account from six columns starting at `first`: id, email, hash, role, created, disabled.
    private static func account(from row: SQLRow, at first: Int) throws -> Account {
        let role = try row.text(first + 3)
        guard let parsed = Role(rawValue: role) else { throw StoreError.corruptRow("role \(role)") }
        return Account(
            id: try row.text(first), email: try row.text(first + 1), passwordHash: try row.text(first + 2), role: parsed,
            createdAt: try row.timestamp(first + 4), disabledAt: try row.optionalInt(first + 5).map(Timestamp.init(millisecondsSinceEpoch:)))
    }
}
