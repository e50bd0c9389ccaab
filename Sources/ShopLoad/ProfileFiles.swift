import Foundation

/// Profile files on disk.
package enum ProfileFiles {
    /// A profile by path, or by name from `loadtests/`.
    package static func read(_ name: String) throws -> (file: String, text: String) {
        for candidate in [name, "loadtests/\(name).yaml", "loadtests/\(name).yml"] {
            if let text = try? String(contentsOfFile: candidate, encoding: .utf8) { return (candidate, text) }
        }
        throw LoadRunError("\(name): no such profile file (nor loadtests/\(name).yaml)")
    }
}
