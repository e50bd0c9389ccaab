import Foundation
import ShopSupport
import Yams

/// An SLO spec file that cannot be used: one line naming the file and the field.
package typealias SpecError = FileFieldError

/// Reads SLO specs: the native format (`service:` and `slos:`) and OpenSLO v1 documents (`kind: SLO`,
/// with the indicator inline or as a `kind: SLI` document named by `indicatorRef`, in any of the files).
/// Both formats are in `slos/README.md`.
package enum SLOSpecs {
    /// The largest spec file read: a thousand SLOs fit in well under a megabyte.
    package static let maximumBytes = 1_000_000

    /// Every SLO in `files` (path and contents), in file order; names must be unique across them.
    package static func parse(files: [(path: String, text: String)]) throws(SpecError) -> [ServiceLevelObjective] {
        try read(files: files).objectives
    }

    /// What `read` found: the SLOs, and a line for each document it skipped on purpose.
    package struct Reading: Sendable {
        package var objectives: [ServiceLevelObjective] = []
        package var notes: [String] = []
    }

    /// One YAML document of a file, or one item of a top-level list of OpenSLO documents.
    struct Document {
        var file: String
        /// `documents[1]`, or `documents[0][2]` for a list's item; empty for a native file, whose fields
        /// are named from its top.
        var field: String
        var node: Node

        var kind: String? { node.mapping?["kind"]?.string }
        var apiVersion: String? { node.mapping?["apiVersion"]?.string }
        var name: String? { node.mapping?["metadata"]?.mapping?["name"]?.string }
        func at(_ sub: String) -> String { field.isEmpty ? sub : field + "." + sub }
    }

    /// Every SLO in `files`, with notes on what was skipped (OpenSLO kinds that hold no SLO).
    package static func read(files: [(path: String, text: String)]) throws(SpecError) -> Reading {
        var documents: [Document] = []
        for (path, text) in files {
            documents += try self.documents(path: path, text: text)
        }
        var reading = Reading()
        var indicators: [String: Indicator] = [:]
        // DataSources first, so a metric source may name one by metricSourceRef; then SLIs, so an SLO may
        // name one from a later file.
        var sources: [String: String] = [:]
        for document in documents where document.kind == "DataSource" {
            if let name = document.name {
                sources[name] = document.node.mapping?["spec"]?.mapping?["type"]?.string ?? document.node.mapping?["type"]?.string ?? ""
            }
        }
        for document in documents where document.kind == "SLI" && document.apiVersion == "openslo/v1" {
            let sli = try decode(OpenSLO.Document.self, document)
            guard let name = sli.metadata?.name, !name.isEmpty else {
                throw SpecError(file: document.file, field: document.at("metadata.name"), reason: "is required")
            }
            indicators[name] = try OpenSLO.indicator(sli.spec?.ratioMetric, file: document.file, field: document.at("spec"), sources: sources)
        }
        for document in documents {
            let kind = document.kind
            guard document.node.mapping?["apiVersion"] != nil || kind != nil else {
                var native = document
                native.field = ""
                reading.objectives += try NativeSpec.objectives(try decode(NativeSpec.File.self, native), file: document.file)
                continue
            }
            let version = document.apiVersion
            guard version == "openslo/v1" || version == "openslo/v1alpha" else {
                throw SpecError(
                    file: document.file, field: document.at("apiVersion"),
                    reason: "\"\(version ?? "")\" is not read (openslo/v1 and openslo/v1alpha are)")
            }
            switch (version, kind) {
            case ("openslo/v1", "SLO"):
                reading.objectives.append(
                    try OpenSLO.objective(
                        try decode(OpenSLO.Document.self, document), file: document.file, field: document.field, indicators: indicators,
                        sources: sources))
            case ("openslo/v1alpha", "SLO"):
                reading.objectives.append(
                    try OpenSLOAlpha.objective(try decode(OpenSLOAlpha.Document.self, document), file: document.file, field: document.field))
            case ("openslo/v1", "SLI"):
                continue
            case (_, "DataSource") where document.name.flatMap({ sources[$0] })?.lowercased() == "prometheus":
                continue
            case (_, let other?) where OpenSLO.skippedKinds[other] != nil:
                let place = document.field.isEmpty ? document.file : "\(document.file): \(document.field)"
                reading.notes.append("\(place): kind \(other) \(document.name.map { "\"\($0)\" " } ?? "")skipped: \(OpenSLO.skippedKinds[other]!)")
            default:
                throw SpecError(
                    file: document.file, field: document.at("kind"),
                    reason:
                        "\"\(kind ?? "")\" is not an OpenSLO kind shop-slo reads (SLO and SLI; Service, DataSource and the alert kinds are skipped)")
            }
        }
        var seen: [String: String] = [:]
        for slo in reading.objectives {
            if let other = seen[slo.name] { throw SpecError(file: slo.file, field: slo.name, reason: "an SLO of this name is already in \(other)") }
            seen[slo.name] = slo.file
        }
        return reading
    }

    /// A file's documents, its top-level lists of OpenSLO documents flattened, within the size bounds.
    static func documents(path: String, text: String) throws(SpecError) -> [Document] {
        guard text.utf8.count <= maximumBytes else {
            throw SpecError(file: path, field: "", reason: "is \(text.utf8.count / 1_000) kB; spec files are read up to \(maximumBytes / 1_000) kB")
        }
        if let excess = YAMLBounds.excess(text) { throw SpecError(file: path, field: "", reason: excess) }
        var roots: [Node] = []
        do {
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() { roots.append(node) }
        } catch {
            throw SpecError(file: path, field: "", reason: "not valid YAML: \(yamlProblem(error))")
        }
        guard !roots.isEmpty else { throw SpecError(file: path, field: "", reason: "holds no YAML document") }
        var documents: [Document] = []
        for (index, node) in roots.enumerated() {
            let field = "documents[\(index)]"
            guard let items = node.sequence else {
                documents.append(Document(file: path, field: field, node: node))
                continue
            }
            for (position, item) in items.enumerated() {
                guard item.mapping?["apiVersion"] != nil else {
                    throw SpecError(
                        file: path, field: "\(field)[\(position)]", reason: "a top-level list must hold OpenSLO documents (apiVersion and kind)")
                }
                documents.append(Document(file: path, field: "\(field)[\(position)]", node: item))
            }
        }
        return documents
    }

    /// Yams's error in one line: where and what (its own description puts the problem after a line break).
    static func yamlProblem(_ error: any Error) -> String {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            // libyaml's words for its depth bound name a C function; say what it means.
            if problem.hasPrefix("Maximum nesting level") { return "line \(mark.line), column \(mark.column): nested more than 1000 levels deep" }
            return "line \(mark.line), column \(mark.column): \(problem)" + (context.map { " (\($0.text) at line \($0.mark.line))" } ?? "")
        default:
            return String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }

    /// Decodes a document; a decoding error names the field from the file's top.
    static func decode<T: Decodable>(_ type: T.Type, _ document: Document) throws(SpecError) -> T {
        do {
            return try YAMLDecoder().decode(type, from: document.node)
        } catch let error as DecodingError {
            let inner = SpecError(decoding: error, file: document.file)
            throw SpecError(file: document.file, field: inner.field.isEmpty ? document.field : document.at(inner.field), reason: inner.reason)
        } catch {
            throw SpecError(file: document.file, field: document.field, reason: "\(error)")
        }
    }

    /// `99.9%`, or a ratio below 1 such as `0.999`.
    static func objective(_ text: String?, file: String, field: String) throws(SpecError) -> Double {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw SpecError(file: file, field: field, reason: "is required (a percentage such as 99.9%)")
        }
        guard let value = ShareText.share(text), value > 0, value < 1 else {
            throw SpecError(file: file, field: field, reason: "\"\(text)\" must be a share of good events above 0% and below 100% (99.9% or 0.999)")
        }
        return value
    }

    static func duration(_ text: String?, file: String, field: String) throws(SpecError) -> Double {
        guard let text else { throw SpecError(file: file, field: field, reason: "is required (a duration such as 30d)") }
        guard let seconds = DurationText.seconds(text), seconds > 0 else {
            throw SpecError(file: file, field: field, reason: "\"\(text)\" is not a duration (30d, 28d, 1d)")
        }
        return try period(seconds, written: text, file: file, field: field)
    }

    /// A period's bounds: from a day (below, the fast page's windows would be under a minute, shorter than
    /// most scrape intervals) to a year (beyond, budgets outlive any retention Prometheus keeps).
    static func period(_ seconds: Double, written text: String, file: String, field: String) throws(SpecError) -> Double {
        guard seconds >= 86_400 else {
            throw SpecError(file: file, field: field, reason: "must be at least 1d (the alert windows shrink with the period)")
        }
        guard seconds <= 365 * 86_400 else {
            throw SpecError(file: file, field: field, reason: "\"\(text)\" is longer than 365d, the longest period read")
        }
        return seconds
    }

    /// A counter as an SLI's side: a selector, or the `sum(rate(selector[window]))` Sloth's OpenSLO files
    /// write (the window is shop-slo's to choose). Any other PromQL is refused, naming what is read.
    static func counterQuery(_ text: String?, file: String, field: String) throws(SpecError) -> PromSelector {
        guard let text else { return try selector(text, file: file, field: field) }
        let pattern = #"^\s*(?:sum\s*\(\s*)?(?:rate|increase|irate)\s*\(\s*(.+?)\s*\[[^\]]*\]\s*\)\s*(\))?\s*$"#
        let refusal = SpecError(file: file, field: field, reason: "\"\(text)\" is not read: write a counter selector, or sum(rate(selector[window]))")
        guard let match = text.firstMatch(of: try! Regex(pattern)), let inner = match.output[1].substring else {
            if text.contains("(") { throw refusal }
            return try selector(text, file: file, field: field)
        }
        let summed = text.trimmingCharacters(in: .whitespaces).hasPrefix("sum")
        guard summed == (match.output[2].substring != nil) else { throw refusal }
        return try selector(String(inner), file: file, field: field)
    }

    /// A ratio SLI from `total` and exactly one of `good` and `bad`, each side read into a selector by
    /// `read` (given the side's name); `field` names the mapping that holds them.
    static func ratio<Side>(
        good: Side?, bad: Side?, total: Side?, file: String, field: String, read: (Side?, String) throws(SpecError) -> PromSelector
    ) throws(SpecError) -> Indicator {
        let total = try read(total, "total")
        switch (good, bad) {
        case (let good?, nil): return .ratio(RatioQuery(.good(try read(good, "good")), total: total))
        case (nil, let bad?): return .ratio(RatioQuery(.bad(try read(bad, "bad")), total: total))
        default: throw SpecError(file: file, field: field, reason: "needs either good or bad, besides total")
        }
    }

    static func selector(_ text: String?, file: String, field: String) throws(SpecError) -> PromSelector {
        guard let text, !text.isEmpty else { throw SpecError(file: file, field: field, reason: "is required (a counter selector)") }
        do {
            return try PromSelector(parsing: text)
        } catch {
            throw SpecError(file: file, field: field, reason: error.reason)
        }
    }

    /// Routing labels from a spec (or `--label`): Prometheus label names, none of the ones every alert
    /// carries already.
    package static func labels(_ raw: [String: String]?, file: String, field: String) throws(SpecError) -> [String: String] {
        // In name order, so a file with two bad names always names the same one.
        for name in (raw ?? [:]).keys.sorted() {
            let valid =
                name.first.map { $0.isASCII && ($0.isLetter || $0 == "_") } == true
                && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") } && !name.hasPrefix("__")
            guard valid else {
                throw SpecError(file: file, field: field + "." + name, reason: "is not a Prometheus label name (letters, digits and _)")
            }
            guard !["severity", "slo", "service", "alertname"].contains(name) else {
                throw SpecError(file: file, field: field + "." + name, reason: "is set by shop-slo on every alert")
            }
        }
        return raw ?? [:]
    }

    static func checkName(_ name: String?, file: String, field: String) throws(SpecError) -> String {
        guard let name, !name.isEmpty else { throw SpecError(file: file, field: field, reason: "is required") }
        let allowed = name.allSatisfy { ($0.isLetter && $0.isLowercase) || $0.isNumber || $0 == "-" }
        guard allowed, name.first?.isLetter == true, !name.hasSuffix("-") else {
            throw SpecError(file: file, field: field, reason: "\"\(name)\" must be lower-case words joined by hyphens")
        }
        return name
    }
}
