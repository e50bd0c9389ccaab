/// One sample line of the Prometheus text format, `name{label="value",...} 12.5`.
package struct ExpositionSample: Sendable, Equatable {
    package var metric: String
    package var labels: [String: String]
    package var value: Double

    package init(metric: String, labels: [String: String], value: Double) {
        self.metric = metric
        self.labels = labels
        self.value = value
    }

    /// The series as PromQL and promtool write it, labels sorted: a key that names it.
    package var series: String {
        labels.isEmpty
            ? metric
            : metric + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\(PromSelector.quote($0.value))" }.joined(separator: ",") + "}"
    }

    /// Every sample of an exposition; comments and lines that do not parse are skipped.
    package static func parse(_ text: String) -> [ExpositionSample] {
        text.split(separator: "\n").compactMap { line in line.first == "#" ? nil : parse(line: line) }
    }

    static func parse(line: Substring) -> ExpositionSample? {
        var rest = line[...]
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard !name.isEmpty else { return nil }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while let c = rest.first, c != "}" {
                if c == "," || c == " " { rest = rest.dropFirst(); continue }
                let label = rest.prefix { $0 != "=" }
                rest = rest.dropFirst(label.count + 1)
                guard rest.first == "\"" else { return nil }
                rest = rest.dropFirst()
                var value = ""
                while let v = rest.first, v != "\"" {
                    rest = rest.dropFirst()
                    if v == "\\", let next = rest.first {
                        value.append(next == "n" ? "\n" : next)
                        rest = rest.dropFirst()
                    } else {
                        value.append(v)
                    }
                }
                rest = rest.dropFirst()
                labels[String(label)] = value
            }
            rest = rest.dropFirst()
        }
        let fields = rest.split(separator: " ")
        guard let first = fields.first, let value = Double(first) else { return nil }
        return ExpositionSample(metric: String(name), labels: labels, value: value)
    }
}
