import Foundation
import ShopDomain

/// What a new password must be (NIST SP 800-63B §3.1.1.2): long enough, not one of the passwords every
/// attacker tries first, and no more than bcrypt reads. No rules about character classes, which make
/// passwords harder to remember and not harder to guess.
package struct PasswordPolicy: Sendable {
    /// Characters, not bytes: a passphrase in any script counts what its reader counts.
    package var minimumLength: Int
    /// bcrypt reads the first 72 bytes and ignores the rest; a longer password would be accepted and then
    /// matched by any password that shares those bytes, so it is refused rather than silently cut.
    package static let maximumBytes = 72
    private let common: Set<String>

    /// The 20,000 most common passwords (Royce Williams' list as Django ships it; its licence beside it),
    /// compared lower-cased as the list is.
    package static let commonPasswords: Set<String> = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { preconditionFailure("the common-password list is missing from ShopAuth's resources") }
        return Set(text.split(whereSeparator: \.isNewline).map(String.init))
    }()

    package static let defaultMinimumLength = 12

    package init(minimumLength: Int = defaultMinimumLength, common: Set<String> = commonPasswords) {
        self.minimumLength = minimumLength
        self.common = common
    }

    /// The password's problems, one per rule broken, under the field `password`; empty when it will do.
    package func issues(_ password: String, email: EmailAddress? = nil) -> [FieldIssue] {
        var messages: [String] = []
        if password.count < minimumLength { messages.append("must be at least \(minimumLength) characters") }
        if password.utf8.count > Self.maximumBytes { messages.append("must be at most \(Self.maximumBytes) bytes (bcrypt reads no more)") }
        let lowered = password.lowercased()
        if common.contains(lowered) { messages.append("is one of the most common passwords; choose another") }
        if let email, lowered == email.value || lowered == email.value.split(separator: "@").first.map(String.init) {
            messages.append("must not be the email address")
        }
        return messages.map { FieldIssue(field: "password", message: $0) }
    }
}
