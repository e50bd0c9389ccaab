import ArgumentParser
import ShopAuth

/// `--jwt-secret` and `--data-dir`, read in `JWTSecret`'s one order, for every command that signs tokens.
package struct SecretOptions: ParsableArguments {
    @Option(name: .customLong("jwt-secret"), help: "The API's HS256 secret (env SHOP_JWT_SECRET; default: the embedded one in --data-dir).")
    package var jwtSecret: String?

    @Option(name: .customLong("data-dir"), help: "The embedded API's data directory, where its secret is (env SHOP_DATA_DIR, default ./data).")
    package var dataDir: String?

    package init() {}

    /// The secret, or nil when none is given and `fallback` finds none.
    package func resolve(environment: [String: String], fallback: JWTSecret.Fallback) throws(CommandFailure) -> String? {
        do {
            return try JWTSecret.resolve(flag: jwtSecret, dataDirectory: dataDir, environment: environment, fallback: fallback)?.secret
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
