import Foundation
import ShopAuth
import ShopStore

/// The embedded mode's JWT secret: generated once into the data directory (mode 0600) so that the server
/// and `shop-api token` agree without the user choosing one.
public enum EmbeddedSecret {
    /// The secret and whether this call created it.
    public static func loadOrCreate(dataDirectory: String) throws -> (secret: String, created: Bool) {
        let path = AccessTokenKeys.secretFile(inDataDirectory: dataDirectory)
        if let existing = try? String(contentsOfFile: path, encoding: .utf8) {
            return (existing.trimmingCharacters(in: .whitespacesAndNewlines), false)
        }
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        guard FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError("cannot write \(path)")
        }
        return (secret, true)
    }
}
