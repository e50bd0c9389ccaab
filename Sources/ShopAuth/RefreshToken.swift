import Foundation

/// An opaque refresh token in two halves, `<id>.<secret>` (the "split token" pattern): the id finds the
/// stored row by an index, and only the SHA-256 of the secret is stored, compared in constant time. A
/// stolen database then holds no usable token, and the time a lookup takes says nothing about the secret.
/// The secret has 256 random bits, so a plain hash suffices (no slow hash: nothing to guess).
package struct RefreshToken: Sendable, Equatable {
    package let id: String
    package let secret: String

    /// Refresh tokens live 30 days from their issue (BRIEF §2); each use rotates to a new one.
    package static let lifetimeSeconds: Int64 = 30 * 24 * 3600

    /// A new token from the system's random source.
    package static func generate() -> RefreshToken {
        RefreshToken(id: randomText(bytes: 16), secret: randomText(bytes: 32))
    }

    /// The token as a client holds it, or nil for anything that is not one (never an error that says which half is wrong).
    package init?(presented text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].utf8.count == 22, parts[1].utf8.count == 43,
            parts.allSatisfy({ $0.utf8.allSatisfy(Self.isBase64URL) })
        else { return nil }
        id = String(parts[0])
        secret = String(parts[1])
    }

    private init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    package var text: String { id + "." + secret }

    /// What is stored of the secret: its SHA-256, in hex.
    package var secretHash: String { SHA256Hex.of(secret) }

    /// Whether this token's secret is the one `storedHash` was made from, in time independent of where they differ.
    package func matches(storedHash: String) -> Bool {
        ConstantTime.equal(Array(secretHash.utf8), Array(storedHash.utf8))
    }

    private static func randomText(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}

/// Comparisons whose time does not depend on where the inputs differ.
package enum ConstantTime {
    /// Equal lengths and bytes; every byte is looked at whatever the first difference (the lengths of
    /// hashes are public).
    package static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
