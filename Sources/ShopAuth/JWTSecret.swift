import Foundation

/// Where every program finds the HS256 secret, in one order: the flag, then `SHOP_JWT_SECRET`, then the
/// file the embedded mode keeps in its data directory (`--data-dir`, `SHOP_DATA_DIR`, `./data`). The
/// embedded server generates that file once (mode 0600), so that it, `shop-api token` and `shop-load`
/// agree without the user choosing a secret.
package enum JWTSecret {
    package struct Resolved: Sendable, Equatable {
        package var secret: String
        /// The data directory's file was made by this call.
        package var created: Bool
    }

    /// What to do when neither the flag nor the environment gives a secret.
    package enum Fallback: Sendable {
        /// Read the data directory's file, making it when missing (the embedded server, `shop-api token`).
        case createInDataDirectory
        /// Read the data directory's file if it is there (clients of a running embedded server).
        case readFromDataDirectory
        /// No fallback (a server on PostgreSQL must be given its secret).
        case none
    }

    /// The secret, or nil when none was given and `fallback` finds none.
    package static func resolve(
        flag: String?, dataDirectory: String?, environment: [String: String], fallback: Fallback
    ) throws(JWTSecretError) -> Resolved? {
        // A flag is used as given, even empty: the keys then refuse it as too short, never fall back to another secret.
        if let flag { return Resolved(secret: flag, created: false) }
        if let variable = environment["SHOP_JWT_SECRET"], !variable.isEmpty { return Resolved(secret: variable, created: false) }
        let directory = dataDirectory ?? environment["SHOP_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "./data"
        let path = AccessTokenKeys.secretFile(inDataDirectory: directory)
        switch fallback {
        case .none:
            return nil
        case .readFromDataDirectory:
            return read(path).map { Resolved(secret: $0, created: false) }
        case .createInDataDirectory:
            if let existing = read(path) { return Resolved(secret: existing, created: false) }
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw JWTSecretError("cannot create the data directory \(directory): \(error.localizedDescription)")
            }
            var generator = SystemRandomNumberGenerator()
            let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
            guard FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw JWTSecretError("cannot write \(path)")
            }
            return Resolved(secret: secret, created: true)
        }
    }

    private static func read(_ path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return secret.isEmpty ? nil : secret
    }
}

package struct JWTSecretError: Error, Sendable, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
