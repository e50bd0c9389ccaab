import ShopDomain
import ShopSupport
import Tracing

/// A value bound to a statement. The schema uses only these three types, so both stores share it.
package enum SQLValue: Sendable, Equatable {
    case int(Int64)
    case text(String)
    case null
}

/// A statement whose values are always bound, never spliced: `"... WHERE sku = \(sku.code)"` binds the
/// SKU. Each database renders the placeholders its own way (`$1` for PostgreSQL, `?1` for SQLite).
/// Hand-written because postgres-nio and sqlite-nio share no query type; sql-kit would, but it brings a
/// connection pool of its own in place of PostgresClient.
package struct SQL: Sendable, ExpressibleByStringInterpolation {
    /// Literal fragments; a placeholder stands between each two.
    var fragments: [String]
    package private(set) var binds: [SQLValue]
    /// Set by `prepared(as:)`: PostgreSQL runs this statement as that named prepared statement.
    var shape: (any PreparedShape.Type)?

    package init(stringLiteral value: String) {
        fragments = [value]
        binds = []
    }

    package init(stringInterpolation: Interpolation) {
        fragments = stringInterpolation.fragments + [stringInterpolation.current]
        binds = stringInterpolation.binds
    }

    package struct Interpolation: StringInterpolationProtocol {
        var fragments: [String] = []
        var current = ""
        var binds: [SQLValue] = []

        package init(literalCapacity: Int, interpolationCount: Int) {}

        package mutating func appendLiteral(_ literal: String) { current += literal }

        package mutating func appendInterpolation(_ value: SQLValue) {
            fragments.append(current)
            current = ""
            binds.append(value)
        }

        package mutating func appendInterpolation(_ value: Int64) { appendInterpolation(SQLValue.int(value)) }
        package mutating func appendInterpolation(_ value: Int) { appendInterpolation(SQLValue.int(Int64(value))) }
        package mutating func appendInterpolation(_ value: String) { appendInterpolation(SQLValue.text(value)) }
        package mutating func appendInterpolation(_ value: String?) { appendInterpolation(value.map(SQLValue.text) ?? .null) }
        package mutating func appendInterpolation(_ value: Timestamp) { appendInterpolation(value.millisecondsSinceEpoch) }

        /// Embeds another statement's text and binds, e.g. a condition used twice.
        package mutating func appendInterpolation(_ fragment: SQL) {
            current += fragment.fragments[0]
            for (bind, text) in zip(fragment.binds, fragment.fragments.dropFirst()) {
                fragments.append(current)
                binds.append(bind)
                current = text
            }
        }

        /// Splices trusted SQL text chosen by the code (a dialect keyword), never a client's input.
        package mutating func appendInterpolation(raw: String) { current += raw }
    }

    /// A short, bounded name for metrics and spans: the verb and the first table, e.g. `update inventory`,
    /// `batch orders` for a data-modifying CTE. Taken from the literal text only, never from bound values.
    package var operationName: String {
        let words = fragments[0].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "(" || $0 == "," }).prefix(40).map { $0.lowercased() }
            .filter { $0 != "if" && $0 != "not" && $0 != "exists" }
        guard let verb = words.first else { return "empty" }
        func word(after keyword: String) -> String? {
            words.firstIndex(of: keyword).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil }
        }
        switch verb {
        case "select": return "select " + (word(after: "from") ?? "")
        case "insert": return "insert " + (word(after: "into") ?? "")
        case "update": return "update " + (word(after: "update") ?? "")
        case "delete": return "delete " + (word(after: "from") ?? "")
        case "with": return "batch " + (word(after: "into") ?? word(after: "update") ?? "")
        case "create": return "create " + (word(after: "table") ?? word(after: "index") ?? "")
        default: return verb
        }
    }

    /// The statement text with numbered placeholders, `prefix` + number.
    func text(placeholderPrefix prefix: String) -> String {
        var out = fragments[0]
        for (index, fragment) in fragments.dropFirst().enumerated() {
            out += prefix + String(index + 1) + fragment
        }
        return out
    }
}

/// One result row: the columns in SELECT order.
package struct SQLRow: Sendable {
    package let values: [SQLValue]

    package init(values: [SQLValue]) { self.values = values }

    package func int(_ column: Int) throws -> Int64 {
        guard case .int(let value) = values[column] else { throw StoreError.unexpectedColumn(column, values[column]) }
        return value
    }

    package func text(_ column: Int) throws -> String {
        guard case .text(let value) = values[column] else { throw StoreError.unexpectedColumn(column, values[column]) }
        return value
    }

    package func optionalText(_ column: Int) throws -> String? {
        if case .null = values[column] { return nil }
        return try text(column)
    }

    package func optionalInt(_ column: Int) throws -> Int64? {
        if case .null = values[column] { return nil }
        return try int(column)
    }
}

/// What goes wrong below the domain: the database is out of reach, or it answered in a way the code
/// does not expect. Both become a logged internal failure or a 503, never a leak of detail to a client.
package enum StoreError: Error, Sendable {
    case unreachable(String)
    case uniqueViolation(String)
    case unexpectedColumn(Int, SQLValue)
    case corruptRow(String)
}

extension SQL {
    /// `lhs` followed by `rhs`, binds in order.
    package static func + (lhs: SQL, rhs: SQL) -> SQL {
        var result = lhs
        result.fragments[result.fragments.count - 1] += rhs.fragments[0]
        result.fragments += rhs.fragments.dropFirst()
        result.binds += rhs.binds
        return result
    }

    /// The parts joined by `separator`, e.g. the tuples of a multi-row INSERT.
    package static func join(_ parts: [SQL], separator: String) -> SQL {
        guard var result = parts.first else { return "" }
        for part in parts.dropFirst() {
            result = result + SQL(stringLiteral: separator) + part
        }
        return result
    }
}
