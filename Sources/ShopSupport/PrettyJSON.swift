import Foundation

/// `value` as the programs print and write it for people and diffs: indented, keys sorted, so two runs
/// compare line by line (`--json`, the game day's verdict file).
package func prettyJSON(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
