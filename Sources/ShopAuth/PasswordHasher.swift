import HummingbirdBcrypt
import NIOPosix

/// bcrypt, at a configurable cost, run on NIO's pool for blocking work: one hash takes tens to hundreds of
/// milliseconds of CPU, which on an event loop would stall every request on it.
package struct PasswordHasher: Sendable {
    /// log2 of bcrypt's rounds. OWASP asks for at least 10; each step doubles the time (docs/accounts.md
    /// has this machine's figures).
    package let cost: UInt8
    package static let defaultCost: UInt8 = 11
    package static let costs: ClosedRange<UInt8> = 4...16
    /// A bcrypt hash at this cost that no password has (random salt and digest), checked when the email is
    /// unknown: an unknown email then costs what a wrong password costs, so the time of an answer does not
    /// tell whether an account exists. bcrypt's time depends only on the cost written in the hash, so the
    /// decoy is written out rather than hashed (no start-up cost).
    private let decoy: String

    package init(cost: UInt8 = defaultCost) {
        precondition(Self.costs.contains(cost), "bcrypt cost \(cost) is outside \(Self.costs)")
        self.cost = cost
        let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        decoy = "$2b$" + (cost < 10 ? "0" : "") + String(cost) + "$" + String((0..<53).map { _ in alphabet.randomElement()! })
    }

    package func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { [cost] in Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash (no such account) the decoy is checked instead and
    /// the answer is false, after the same work.
    package func verify(_ password: String, against hash: String?) async throws -> Bool {
        let target = hash ?? decoy
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: target) }
        return hash != nil && matches
    }
}
