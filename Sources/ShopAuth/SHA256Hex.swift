import Crypto
import Foundation

/// SHA-256 in lower-case hex: what is stored of a refresh token's secret, and the key an email is limited by.
package enum SHA256Hex {
    package static func of(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
