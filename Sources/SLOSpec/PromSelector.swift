import Foundation

/// A PromQL series selector, `metric{label="value", other=~"a|b"}`: what an SLI's counters are written as.
/// Parsed here because the rule generator wraps selectors in `rate(...[window])` and its tests need series
/// that match them; no Swift library parses PromQL.
package struct PromSelector: Sendable, Equatable, CustomStringConvertible {
    package enum Operator: String, Sendable {
        case equal = "=", notEqual = "!=", matches = "=~", notMatches = "!~"
    }

    package struct Matcher: Sendable, Equatable {
        package var label: String
        package var op: Operator
        package var value: String

        package init(_ label: String, _ op: Operator, _ value: String) {
            self.label = label
            self.op = op
            self.value = value
        }

        /// Whether a series with this label value (nil: the label is absent) is selected. Regexes are
        /// anchored at both ends, as Prometheus anchors them.
        package func accepts(_ candidate: String?) -> Bool {
            let value = candidate ?? ""
            switch op {
            case .equal: return value == self.value
            case .notEqual: return value != self.value
            case .matches: return Self.fullMatch(self.value, value)
            case .notMatches: return !Self.fullMatch(self.value, value)
            }
        }

        static func fullMatch(_ pattern: String, _ value: String) -> Bool {
            guard let regex = try? NSRegularExpression(pattern: "^(?:" + pattern + ")$") else { return false }
            return regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
        }
    }

    package var metric: String
    package var matchers: [Matcher]

    package init(metric: String, matchers: [Matcher]) {
        self.metric = metric
        self.matchers = matchers
    }

    package var description: String {
        matchers.isEmpty ? metric : metric + "{" + matchers.map { "\($0.label)\($0.op.rawValue)\(Self.quote($0.value))" }.joined(separator: ",") + "}"
    }

    /// A PromQL double-quoted string.
    package static func quote(_ value: String) -> String {
        "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// Whether a series with these labels is selected.
    package func selects(metric: String, labels: [String: String]) -> Bool {
        metric == self.metric && matchers.allSatisfy { $0.accepts(labels[$0.label]) }
    }

    package struct ParseError: Error, Sendable, Equatable {
        package var reason: String
    }

    /// Parses `name`, `name{}` or `name{label op "value", ...}`.
    package init(parsing text: String) throws(ParseError) {
        var rest = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        func isNameCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == ":" }
        let name = rest.prefix(while: isNameCharacter)
        guard let first = name.first, !first.isNumber else { throw ParseError(reason: "\"\(text)\" does not start with a metric name") }
        metric = String(name)
        rest = rest.dropFirst(name.count)
        matchers = []
        guard !rest.isEmpty else { return }
        guard rest.first == "{", rest.last == "}" else {
            throw ParseError(reason: "\"\(text)\" is not a series selector (a counter such as name{label=\"value\"}; shop-slo adds rate and sum)")
        }
        rest = rest.dropFirst().dropLast()
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "," })
            if rest.isEmpty { break }
            let label = rest.prefix(while: isNameCharacter)
            guard !label.isEmpty else { throw ParseError(reason: "\"\(text)\": expected a label name at \"\(rest)\"") }
            rest = rest.dropFirst(label.count).drop(while: { $0 == " " })
            let opText = rest.prefix(while: { "=!~".contains($0) })
            guard let op = Operator(rawValue: String(opText)) else {
                throw ParseError(reason: "\"\(text)\": expected =, !=, =~ or !~ after \(label)")
            }
            rest = rest.dropFirst(opText.count).drop(while: { $0 == " " })
            guard rest.first == "\"" else { throw ParseError(reason: "\"\(text)\": the value of \(label) must be in double quotes") }
            rest = rest.dropFirst()
            var value = ""
            var closed = false
            while let c = rest.first {
                rest = rest.dropFirst()
                if c == "\\", let next = rest.first {
                    value.append(next)
                    rest = rest.dropFirst()
                } else if c == "\"" {
                    closed = true
                    break
                } else {
                    value.append(c)
                }
            }
            guard closed else { throw ParseError(reason: "\"\(text)\": the value of \(label) has no closing quote") }
            matchers.append(Matcher(String(label), op, value))
        }
    }
}
