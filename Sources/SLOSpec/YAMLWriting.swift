import Foundation
import Yams

/// The rule, test and PrometheusRule files as YAML nodes, written by Yams's emitter (libyaml), so any
/// name, description or label value reads back as written. Text is single-quoted (nothing in a PromQL
/// expression or a template can be taken for YAML syntax; libyaml picks double quotes where line breaks or
/// control characters need escapes), expressions are literal blocks, and nothing wraps.
package enum YAMLWriting {
    package static func text(_ value: String) -> Node { .scalar(.init(value, .implicit, .singleQuoted)) }

    /// A number, duration or name written bare (`1m`, `3600`, `PaymentSuccessBudgetBurn`).
    package static func plain(_ value: String) -> Node { .scalar(.init(value, .implicit, .plain)) }

    package static func block(_ value: String) -> Node { .scalar(.init(value, .implicit, .literal)) }

    package static func map(_ pairs: [(String, Node)]) -> Node {
        .mapping(.init(pairs.map { (plain($0.0), $0.1) }, .implicit, pairs.isEmpty ? .flow : .block))
    }

    package static func texts(_ pairs: [(String, String)]) -> Node { map(pairs.map { ($0.0, text($0.1)) }) }

    package static func list(_ items: [Node]) -> Node { .sequence(.init(items, .implicit, items.isEmpty ? .flow : .block)) }

    /// `node` as a document, after `comments` (each line a `#` comment).
    package static func document(_ node: Node, comments: [String] = []) -> String {
        let lines = comments.flatMap { $0.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) }
        let header = lines.map { ("# " + $0).trimmingCharacters(in: .whitespaces) + "\n" }.joined()
        // The emitter fails only on nodes no YAML can hold, which these builders never make.
        return header + (try! Yams.serialize(node: node, indent: 2, width: -1, allowUnicode: true))
    }
}
