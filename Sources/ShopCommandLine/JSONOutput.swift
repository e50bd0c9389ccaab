import Foundation

/// `value` as the commands print it with `--json`: indented, keys sorted, so runs compare line by line.
package func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
