import Foundation
import ShopDomain
import Yams

/// An SLO spec file that cannot be used: one line naming the file and the field.
public typealias SpecError = FileFieldError

/// Reads SLO specs: the native format (`service:` and `slos:`) and OpenSLO v1 documents (`kind: SLO`,
/// with the indicator inline or as a `kind: SLI` document named by `indicatorRef`, in any of the files).
/// Both formats are in `slos/README.md`.
public enum SLOSpecs {
    /// The largest spec file read: a thousand SLOs fit in well under a megabyte.
    public static let maximumBytes = 1_000_000

    /// Every SLO in `files` (path and contents), in file order; names must be unique across them.
    public static func parse(files: [(path: String, text: String)]) throws(SpecError) -> [ServiceLevelObjective] {
        var documents: [(file: String, index: Int, node: Node)] = []
        for (path, text) in files {
            guard text.utf8.count <= maximumBytes else {
                throw SpecError(file: path, field: "", reason: "is \(text.utf8.count / 1_000) kB; spec files are read up to \(maximumBytes / 1_000) kB")
            }
            if let excess = YAMLBounds.excess(text) { throw SpecError(file: path, field: "", reason: excess) }
            do {
                let parser = try Parser(yaml: text)
                var index = 0
                while let node = try parser.nextRoot() {
                    documents.append((path, index, node))
                    index += 1
                }
                if index == 0 { throw SpecError(file: path, field: "", reason: "holds no YAML document") }
            } catch let error as SpecError {
                throw error
            } catch {
                throw SpecError(file: path, field: "", reason: "not valid YAML: \(yamlProblem(error))")
            }
        }
        var indicators: [String: Indicator] = [:]
        var slos: [ServiceLevelObjective] = []
        // OpenSLO SLIs first, so an SLO may name one from a later file.
        for document in documents where document.node.mapping?["kind"]?.string == "SLI" {
            let sli = try decode(OpenSLO.Document.self, document)
            let field = "documents[\(document.index)]"
            guard let name = sli.metadata?.name, !name.isEmpty else { throw SpecError(file: document.file, field: field + ".metadata.name", reason: "is required") }
            indicators[name] = try OpenSLO.indicator(sli.spec?.ratioMetric, file: document.file, field: field + ".spec")
        }
        for document in documents {
            let kind = document.node.mapping?["kind"]?.string
            if document.node.mapping?["apiVersion"] != nil || kind != nil {
                guard document.node.mapping?["apiVersion"]?.string == "openslo/v1" else {
                    throw SpecError(file: document.file, field: "apiVersion", reason: "only openslo/v1 documents are read")
                }
                switch kind {
                case "SLO": slos.append(try OpenSLO.objective(try decode(OpenSLO.Document.self, document), file: document.file, index: document.index, indicators: indicators))
                case "SLI": continue
                default: throw SpecError(file: document.file, field: "kind", reason: "\"\(kind ?? "")\" is not read (SLO and SLI are)")
                }
            } else {
                slos += try NativeSpec.objectives(try decode(NativeSpec.File.self, document), file: document.file)
            }
        }
        var seen: [String: String] = [:]
        for slo in slos {
            if let other = seen[slo.name] { throw SpecError(file: slo.file, field: slo.name, reason: "an SLO of this name is already in \(other)") }
            seen[slo.name] = slo.file
        }
        return slos
    }

    /// Yams's error in one line: where and what (its own description puts the problem after a line break).
    static func yamlProblem(_ error: any Error) -> String {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _), .composer(let context, let problem, let mark, _):
            // libyaml's words for its depth bound name a C function; say what it means.
            if problem.hasPrefix("Maximum nesting level") { return "line \(mark.line), column \(mark.column): nested more than 1000 levels deep" }
            return "line \(mark.line), column \(mark.column): \(problem)" + (context.map { " (\($0.text) at line \($0.mark.line))" } ?? "")
        default:
            return String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ document: (file: String, index: Int, node: Node)) throws(SpecError) -> T {
        do {
            return try YAMLDecoder().decode(type, from: document.node)
        } catch let error as DecodingError {
            throw SpecError(decoding: error, file: document.file)
        } catch {
            throw SpecError(file: document.file, field: "", reason: "\(error)")
        }
    }

    /// `99.9%`, or a ratio below 1 such as `0.999`.
    static func objective(_ text: String?, file: String, field: String) throws(SpecError) -> Double {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw SpecError(file: file, field: field, reason: "is required (a percentage such as 99.9%)")
        }
        // Rounded to 12 significant digits, so 99.9% is 0.999 and not 0.9990000000000001.
        let value: Double? = (text.hasSuffix("%") ? Double(text.dropLast()).map { $0 / 100 } : Double(text)).flatMap { Double(String(format: "%.12g", $0)) }
        guard let value, value > 0, value < 1 else {
            throw SpecError(file: file, field: field, reason: "\"\(text)\" must be a share of good events above 0% and below 100% (99.9% or 0.999)")
        }
        return value
    }

    static func duration(_ text: String?, file: String, field: String) throws(SpecError) -> Double {
        guard let text else { throw SpecError(file: file, field: field, reason: "is required (a duration such as 30d)") }
        guard let seconds = DurationText.seconds(text), seconds > 0 else {
            throw SpecError(file: file, field: field, reason: "\"\(text)\" is not a duration (30d, 28d, 1d)")
        }
        // The shortest scaled window (a 5-minute window scaled to the period) must still span Prometheus
        // samples: with a period under a day it would be shorter than 10 seconds.
        guard seconds >= 86_400 else { throw SpecError(file: file, field: field, reason: "must be at least 1d (the alert windows shrink with the period)") }
        // A budget is spent over a year at most; beyond, windows and rates overflow what Prometheus can range over.
        guard seconds <= 365 * 86_400 else { throw SpecError(file: file, field: field, reason: "\"\(text)\" is longer than 365d, the longest period read") }
        return seconds
    }

    static func selector(_ text: String?, file: String, field: String) throws(SpecError) -> PromSelector {
        guard let text, !text.isEmpty else { throw SpecError(file: file, field: field, reason: "is required (a counter selector)") }
        do {
            return try PromSelector(parsing: text)
        } catch {
            throw SpecError(file: file, field: field, reason: error.reason)
        }
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
