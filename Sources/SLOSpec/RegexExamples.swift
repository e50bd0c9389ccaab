import Foundation

/// Strings a PromQL label regex matches, made up from the regex itself, so a rule test can build series
/// that `code=~"5..|429"` selects (`500`, `429`) or `!~` rejects. Written here because no Swift library
/// generates examples of a regex. It reads the RE2 subset label regexes use (literals, `.`, classes,
/// `\d \w \s`, groups, alternation, `? * + {n,m}`); every example is checked against the regex as
/// Prometheus anchors it, so anything it misreads yields fewer examples, never a wrong one.
enum RegexExamples {
    /// Up to `limit` distinct strings that `pattern` matches in full, simplest first.
    static func of(_ pattern: String, limit: Int = 24) -> [String] {
        var reader = Reader(characters: Array(pattern), limit: limit)
        let made = reader.alternation()
        var seen = Set<String>()
        return made.filter { seen.insert($0).inserted && PromSelector.Matcher.fullMatch(pattern, $0) }
    }

    private struct Reader {
        var characters: [Character]
        var position = 0
        let limit: Int

        var atEnd: Bool { position >= characters.count }
        var next: Character? { atEnd ? nil : characters[position] }

        mutating func take() -> Character? {
            guard let character = next else { return nil }
            position += 1
            return character
        }

        /// `a|b|c`: the branches' examples interleaved, so each branch contributes its simplest first.
        mutating func alternation() -> [String] {
            var branches = [sequence()]
            while next == "|" {
                position += 1
                branches.append(sequence())
            }
            var out: [String] = []
            var index = 0
            while out.count < limit, branches.contains(where: { index < $0.count }) {
                for branch in branches where index < branch.count { out.append(branch[index]) }
                index += 1
            }
            return Array(out.prefix(limit))
        }

        mutating func sequence() -> [String] {
            var out = [""]
            while let character = next, character != "|", character != ")" {
                let piece = quantified(atom())
                out = Array(out.lazy.flatMap { head in piece.lazy.map { head + $0 } }.prefix(limit))
            }
            return out
        }

        mutating func atom() -> [String] {
            guard let character = take() else { return [""] }
            switch character {
            case "(":
                if next == "?" {
                    // (?:…), (?P<name>…), (?<name>…) or flags such as (?i) and (?i:…).
                    position += 1
                    if next == "P" { position += 1 }
                    if next == "<" {
                        while let skipped = take(), skipped != ">" {}
                    } else {
                        while let flag = next, flag != ":", flag != ")" { position += 1 }
                        if take() == ")" { return [""] }
                    }
                }
                let inner = alternation()
                _ = take()  // ")"
                return inner
            case "[": return characterClass()
            case ".": return ["0", "a"]
            case "^", "$": return [""]
            case "\\": return escape(take())
            default: return [String(character)]
            }
        }

        mutating func escape(_ character: Character?) -> [String] {
            switch character {
            case "d": ["0", "5"]
            case "w": ["a", "0"]
            case "s": [" "]
            case "D", "S": ["a"]
            case "W": ["-"]
            case "b", "B", "A", "z": [""]
            case let other?: [String(other)]
            case nil: [""]
            }
        }

        /// `[a-z0-9_]` or `[^…]`: the first character of each item, or for a negated class characters
        /// outside it.
        mutating func characterClass() -> [String] {
            let negated = next == "^"
            if negated { position += 1 }
            var members: [ClosedRange<Character>] = []
            var classes: [Character] = []
            var first = true
            while let character = take(), character != "]" || first {
                first = false
                if character == "[", next == ":" {
                    // [:alpha:] and the like: read as letters, which most of them include.
                    while let skipped = take(), skipped != "]" {}
                    members.append("a"..."z")
                    continue
                }
                var low = character
                if character == "\\", let escaped = take() {
                    if "dwsDWS".contains(escaped) {
                        classes.append(escaped)
                        continue
                    }
                    low = escaped
                }
                if next == "-", position + 1 < characters.count, characters[position + 1] != "]" {
                    position += 1
                    var high = take()!
                    if high == "\\", let escaped = take() { high = escaped }
                    members.append(low <= high ? low...high : high...low)
                } else {
                    members.append(low...low)
                }
            }
            if !negated {
                let picks = members.map { String($0.lowerBound) } + classes.flatMap { escape($0) }
                return picks.isEmpty ? [""] : picks
            }
            return ["a", "0", "x", "_", "-", "Z", "9", " "].filter { candidate in
                let character = Character(candidate)
                return !members.contains { $0.contains(character) } && !classes.contains { escape($0).contains(candidate) }
            }
        }

        /// `?`, `*`, `+` or `{n,m}` after an atom (and a lazy `?` after that).
        mutating func quantified(_ examples: [String]) -> [String] {
            let repeats: [Int]
            switch next {
            case "?": repeats = [0, 1]
            case "*": repeats = [0, 1, 2]
            case "+": repeats = [1, 2]
            case "{":
                let start = position
                position += 1
                var text = ""
                while let character = take(), character != "}" { text.append(character) }
                let bounds = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard let low = bounds.first ?? nil, low <= 64 else {
                    position = start  // not a repetition: RE2 reads the brace as a literal
                    return examples
                }
                position -= 1
                repeats = [low, low + 1]
            default: return examples
            }
            position += 1
            if next == "?" { position += 1 }
            return Array(repeats.lazy.flatMap { count in examples.lazy.map { String(repeating: $0, count: count) } }.prefix(limit))
        }
    }
}
