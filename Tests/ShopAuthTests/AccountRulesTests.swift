import ShopAuth
import ShopDomain
import Testing

/// Emails, passwords, bcrypt and refresh tokens: the rules of accounts, without a store.
@Suite struct AccountRulesTests {
    @Test(arguments: [
        ("  Ann.Lee@Example.COM \n", "ann.lee@example.com"),
        ("o'brien+shop@mail.example.co.uk", "o'brien+shop@mail.example.co.uk"),
        // A decomposed é (e + combining accent) and a composed one are one address.
        ("ren\u{65}\u{301}@example.fr", "ren\u{e9}@example.fr"),
        ("ÜBER@bücher.example", "über@bücher.example"),
    ])
    func addressesAreNormalised(text: String, normalised: String) throws {
        #expect(try EmailAddress(normalising: text).value == normalised)
    }

    @Test(arguments: [
        "", "   ", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "a@b@example.com", "ann lee@example.com",
        "ann@exa mple.com", "ann@example..com", "ann@.example.com", "ann\u{0}@example.com",
        String(repeating: "a", count: 65) + "@example.com", "ann@" + String(repeating: "d", count: 64) + ".com",
        String(repeating: "a", count: 60) + "@" + String(repeating: "b.", count: 100) + "com",
    ])
    func badAddressesAreOneFieldIssue(text: String) {
        #expect {
            try EmailAddress(normalising: text)
        } throws: { error in
            guard case ShopError.validation(let issues) = error else { return false }
            return issues.count == 1 && issues[0].field == "email"
        }
    }

    @Test func anAddressIsNeverPrinted() throws {
        let email = try EmailAddress(normalising: "ann@example.com")
        #expect(!"\(email)".contains("ann") && !String(reflecting: email).contains("example"))
    }

    @Test func passwordsAreLongUncommonAndWithinBcryptsBytes() throws {
        let policy = PasswordPolicy()
        let ann = try EmailAddress(normalising: "ann.lee.shopper@example.com")
        #expect(policy.issues("correct horse battery staple", email: ann).isEmpty)
        #expect(policy.issues("ünïcødé-pässwörd").isEmpty, "16 characters, though more bytes")
        #expect(policy.issues("k7#Qz-wP").map(\.message) == ["must be at least 12 characters"])
        // On the list, lower-cased: any case of it is as common.
        #expect(policy.issues("PASSWORD1234").contains { $0.message.contains("most common") })
        #expect(policy.issues("qwertyuiop123").contains { $0.message.contains("most common") })
        #expect(policy.issues(String(repeating: "é", count: 37)).map(\.message) == ["must be at most 72 bytes (bcrypt reads no more)"])
        #expect(policy.issues("Ann.Lee.Shopper", email: ann).map(\.message) == ["must not be the email address"])
        // The list has 20,000 lines, 19,729 of them distinct.
        #expect(PasswordPolicy.commonPasswords.count == 19_729)
        #expect(PasswordPolicy(minimumLength: 8).issues("tr0ub4dor&3").isEmpty)
    }

    @Test func bcryptMatchesOnlyItsPasswordAndAnUnknownAccountNeverMatches() async throws {
        let hasher = PasswordHasher(cost: 4)
        let hash = try await hasher.hash("correct horse battery staple")
        #expect(hash.hasPrefix("$2b$04$") && hash.count == 60)
        #expect(try await hasher.hash("correct horse battery staple") != hash, "a fresh salt each time")
        #expect(try await hasher.verify("correct horse battery staple", against: hash))
        #expect(try await !hasher.verify("correct horse battery stapler", against: hash))
        #expect(try await !hasher.verify("correct horse battery staple", against: nil))
        #expect(try await !hasher.verify("", against: nil))
    }

    @Test func refreshTokensAreTwoRandomHalvesAndOnlyTheSecretsHashIsKept() throws {
        let token = RefreshToken.generate()
        #expect(token.text.count == 22 + 1 + 43)
        #expect(RefreshToken(presented: token.text) == token)
        #expect(RefreshToken.generate() != token)
        #expect(token.secretHash.count == 64 && !token.secretHash.contains(token.secret))
        #expect(token.matches(storedHash: token.secretHash))
        #expect(!token.matches(storedHash: RefreshToken.generate().secretHash))
        #expect(!token.matches(storedHash: ""))
        for bad in ["", ".", token.id, token.text + "x", token.id + "." + token.secret.dropLast() + "!", "a.b", token.text + ".x"] {
            #expect(RefreshToken(presented: bad) == nil, "\(bad)")
        }
    }

    @Test func constantTimeEqualityIsEquality() {
        #expect(ConstantTime.equal(Array("abc".utf8), Array("abc".utf8)))
        #expect(!ConstantTime.equal(Array("abc".utf8), Array("abd".utf8)))
        #expect(!ConstantTime.equal(Array("abc".utf8), Array("ab".utf8)))
        #expect(ConstantTime.equal([], []))
    }
}
