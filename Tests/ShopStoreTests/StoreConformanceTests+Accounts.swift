import ShopDomain
import ShopSupport
import ShopTestSupport
import Testing

@testable import ShopStore

/// Accounts and refresh tokens, on both stores.
extension StoreConformanceTests {
    static func account(_ id: String, email: String, role: Role = .customer) -> Account {
        Account(id: id, email: email, passwordHash: "$2b$04$hash-of-\(id)", role: role, createdAt: t0)
    }

    static func token(_ id: String, secret: String, expiresAt: Timestamp = t0.adding(milliseconds: 86_400_000)) -> StoredRefreshToken {
        StoredRefreshToken(id: id, secretHash: "hash-" + secret, expiresAt: expiresAt)
    }

    /// The matcher a presented token brings: its secret's hash equals the stored one.
    static func presenting(_ secret: String) -> @Sendable (String) -> Bool { { $0 == "hash-" + secret } }

    static func audit(_ repository: SQLShopRepository, action: String) async throws -> [(actor: String, subject: String)] {
        try await repository.database.query("SELECT actor, subject FROM audit_log WHERE action = \(action) ORDER BY at_ms, id").map {
            (try $0.text(0), try $0.text(1))
        }
    }

    @Test(arguments: StoreKind.tested)
    func anEmailHasOneAccountAndItsCreationIsAudited(_ kind: StoreKind) async throws {
        try await withRepository(kind, catalog: 0) { repository in
            try await repository.createAccount(Self.account("a1", email: "ann@example.com"), actor: "a1", at: Self.t0)
            await #expect(throws: ShopError.alreadyExists(resource: "account")) {
                try await repository.createAccount(Self.account("a2", email: "ann@example.com"), actor: "a2", at: Self.t0)
            }
            let found = try #require(try await repository.account(email: "ann@example.com"))
            #expect(found == Self.account("a1", email: "ann@example.com"))
            #expect(try await repository.account(email: "bob@example.com") == nil)
            let audited = try await Self.audit(repository, action: "account.create")
            #expect(audited.map(\.subject) == ["a1"])
        }
    }

    @Test(arguments: StoreKind.tested)
    func aRefreshTokenRotatesOnceAndItsReuseRevokesTheWholeFamily(_ kind: StoreKind) async throws {
        try await withRepository(kind, catalog: 0) { repository in
            let ann = Self.account("a1", email: "ann@example.com")
            try await repository.createAccount(ann, actor: ann.id, at: Self.t0)
            try await repository.startSession(account: ann, token: Self.token("t1", secret: "s1"), at: Self.t0)
            // A second sign-in is a family of its own, untouched by the first's reuse.
            try await repository.startSession(account: ann, token: Self.token("u1", secret: "v1"), at: Self.t0)

            #expect(
                try await repository.rotate(id: "t1", matches: Self.presenting("wrong"), next: Self.token("x", secret: "x"), at: Self.t0) == .invalid)
            #expect(
                try await repository.rotate(id: "t1", matches: Self.presenting("s1"), next: Self.token("t2", secret: "s2"), at: Self.t0)
                    == .rotated(ann))
            #expect(
                try await repository.rotate(id: "t2", matches: Self.presenting("s2"), next: Self.token("t3", secret: "s3"), at: Self.t0)
                    == .rotated(ann))
            // t1 again: stolen and replayed, or a client that lost an answer. Either way the family ends.
            #expect(
                try await repository.rotate(id: "t1", matches: Self.presenting("s1"), next: Self.token("t9", secret: "s9"), at: Self.t0)
                    == .reused(accountID: ann.id))
            #expect(
                try await repository.rotate(id: "t3", matches: Self.presenting("s3"), next: Self.token("t4", secret: "s4"), at: Self.t0) == .invalid)
            let reuse = try await Self.audit(repository, action: "session.reuse")
            #expect(reuse.map(\.actor) == [ann.id] && reuse.map(\.subject) == ["t1"], "one audit row naming the account and the family")
            #expect(
                try await repository.rotate(id: "u1", matches: Self.presenting("v1"), next: Self.token("u2", secret: "v2"), at: Self.t0)
                    == .rotated(ann))
            #expect(
                try await repository.rotate(id: "nope", matches: Self.presenting("s1"), next: Self.token("x", secret: "x"), at: Self.t0) == .invalid)
        }
    }

    @Test(arguments: StoreKind.tested)
    func anExpiredTokenDoesNotRotateAndSigningOutEndsTheFamily(_ kind: StoreKind) async throws {
        try await withRepository(kind, catalog: 0) { repository in
            let ann = Self.account("a1", email: "ann@example.com")
            try await repository.createAccount(ann, actor: ann.id, at: Self.t0)
            let expiry = Self.t0.adding(milliseconds: 1_000)
            try await repository.startSession(account: ann, token: Self.token("t1", secret: "s1", expiresAt: expiry), at: Self.t0)
            #expect(
                try await repository.rotate(id: "t1", matches: Self.presenting("s1"), next: Self.token("t2", secret: "s2"), at: expiry) == .expired)

            try await repository.startSession(account: ann, token: Self.token("u1", secret: "v1"), at: Self.t0)
            #expect(
                try await repository.rotate(id: "u1", matches: Self.presenting("v1"), next: Self.token("u2", secret: "v2"), at: Self.t0)
                    == .rotated(ann))
            #expect(try await !repository.endSession(id: "u2", matches: Self.presenting("wrong"), at: Self.t0))
            #expect(try await repository.endSession(id: "u2", matches: Self.presenting("v2"), at: Self.t0))
            #expect(try await !repository.endSession(id: "u2", matches: Self.presenting("v2"), at: Self.t0), "nothing left to revoke")
            #expect(
                try await repository.rotate(id: "u2", matches: Self.presenting("v2"), next: Self.token("u3", secret: "v3"), at: Self.t0) == .invalid)
            #expect(try await Self.audit(repository, action: "session.end").map(\.subject) == ["u1"])
        }
    }

    @Test(arguments: StoreKind.tested)
    func aDisabledAccountCannotRefresh(_ kind: StoreKind) async throws {
        try await withRepository(kind, catalog: 0) { repository in
            let ann = Self.account("a1", email: "ann@example.com")
            try await repository.createAccount(ann, actor: ann.id, at: Self.t0)
            try await repository.startSession(account: ann, token: Self.token("t1", secret: "s1"), at: Self.t0)
            try await repository.database.query("UPDATE accounts SET disabled_at_ms = \(Self.t0) WHERE id = 'a1'")
            #expect(
                try await repository.rotate(id: "t1", matches: Self.presenting("s1"), next: Self.token("t2", secret: "s2"), at: Self.t0) == .disabled)
            #expect(try await repository.account(email: "ann@example.com")?.disabledAt == Self.t0)
        }
    }

    @Test(arguments: StoreKind.tested)
    func disablingAnAccountRevokesItsTokensUntilItIsEnabledAgain(_ kind: StoreKind) async throws {
        try await withRepository(kind, catalog: 0) { repository in
            let ann = Self.account("a1", email: "ann@example.com")
            try await repository.createAccount(ann, actor: ann.id, at: Self.t0)
            try await repository.startSession(account: ann, token: Self.token("t1", secret: "s1"), at: Self.t0)
            let later = Self.t0.adding(milliseconds: 5_000)
            #expect(try await repository.setDisabled(email: "ann@example.com", true, actor: "ops", at: later)?.disabledAt == later)
            #expect(
                try await repository.setDisabled(email: "ann@example.com", true, actor: "ops", at: later.adding(milliseconds: 1))?.disabledAt
                    == later,
                "disabled since the first time")
            #expect(
                try await repository.rotate(id: "t1", matches: Self.presenting("s1"), next: Self.token("t2", secret: "s2"), at: later) == .invalid)
            #expect(try await repository.setDisabled(email: "ann@example.com", false, actor: "ops", at: later)?.disabledAt == nil)
            #expect(try await repository.account(email: "ann@example.com")?.disabledAt == nil)
            #expect(try await repository.setDisabled(email: "bob@example.com", true, actor: "ops", at: later) == nil)
            #expect(try await Self.audit(repository, action: "account.disable").map(\.actor) == ["ops", "ops"])
            #expect(try await Self.audit(repository, action: "account.enable").map(\.subject) == ["a1"])
        }
    }
}
