import Foundation
import ShopDomain

/// An account's email address, normalised so that one person has one account: surrounding space trimmed,
/// Unicode in its composed form (NFC), and lower-cased whole. RFC 5321 leaves the local part's case to the
/// receiving server, but every large provider ignores it, and two accounts told apart only by case are a
/// support ticket waiting to happen. Checked only as far as a shop needs: one `@`, a local part and a
/// domain with a dot, no spaces or control characters, and RFC 5321's lengths (64 for the local part,
/// 254 in all). Whether mail arrives is not this type's to know. Its description never shows the address:
/// addresses are personal data and stay out of logs.
package struct EmailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The normalised address, as stored.
    package let value: String

    package init(normalising text: String) throws(ShopError) {
        let normalised = text.trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping.lowercased()
        guard let reason = Self.problem(normalised) else {
            value = normalised
            return
        }
        throw ShopError.validation([FieldIssue(field: "email", message: reason)])
    }

    private static func problem(_ address: String) -> String? {
        if address.isEmpty { return "is required" }
        if address.utf8.count > 254 { return "must be at most 254 bytes" }
        if address.unicodeScalars.contains(where: { CharacterSet.whitespacesAndNewlines.contains($0) || CharacterSet.controlCharacters.contains($0) })
        {
            return "must not contain spaces or control characters"
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return "must be one local part, an @ and a domain" }
        if parts[0].utf8.count > 64 { return "must have a local part of at most 64 bytes" }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 }) else {
            return "must have a domain of dot-separated names, such as example.com"
        }
        return nil
    }

    /// The address's SHA-256 in hex: a key to count or find it by without writing it down (the sign-in limit's).
    package var digest: String { SHA256Hex.of(value) }

    package var description: String { "(an email address)" }
}
