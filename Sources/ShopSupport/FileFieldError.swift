import Foundation

/// A file that cannot be used (a traffic profile, an SLO spec): one line naming the file, the field and
/// what is wrong with it.
package struct FileFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    package let file: String
    package let field: String
    package let reason: String

    package init(file: String, field: String, reason: String) {
        self.file = file
        self.field = field
        self.reason = reason
    }

    package var description: String { field.isEmpty ? "\(file): \(reason)" : "\(file): \(field): \(reason)" }

    /// A decoding error as the field it is about, `rate.spikes[0].start` style.
    package init(decoding error: DecodingError, file: String) {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined().trimmingCharacters(
                in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .typeMismatch(let type, let context):
            self.init(file: file, field: path(context.codingPath), reason: "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self.init(file: file, field: path(context.codingPath), reason: "expected \(Self.describe(type)), found nothing")
        case .keyNotFound(let key, let context):
            self.init(file: file, field: path(context.codingPath + [key]), reason: "is required")
        case .dataCorrupted(let context):
            let reason = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            self.init(file: file, field: path(context.codingPath), reason: reason.split(separator: "\n").first.map(String.init) ?? "not valid")
        @unknown default:
            self.init(file: file, field: "", reason: "\(error)")
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Double.Type, is Int.Type: "a number"
        case is Bool.Type: "true or false"
        default:
            // Decoders name a list Array<…> or, as Yams does, by its node type (Sequence).
            String(describing: type).replacingOccurrences(of: "Optional<", with: "").hasPrefix("Array")
                || String(describing: type).hasSuffix("Sequence")
                ? "a list" : "a mapping"
        }
    }
}
