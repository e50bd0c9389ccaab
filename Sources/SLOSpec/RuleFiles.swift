import ShopSupport

/// Everything `shop-slo rules` writes for a set of SLOs: each SLO's rule file (or PrometheusRule
/// resource) and its promtool tests, by path under the output folder.
package enum RuleFiles {
    package enum Format: String, Sendable, CaseIterable {
        /// Prometheus rule files in the folder, tests in its `tests/`.
        case rules
        /// `PrometheusRule` resources in the folder (what `kubectl apply -f` takes); the same groups as
        /// plain rule files beside their tests in `tests/`, since promtool reads no resource.
        case prometheusOperator = "prometheus-operator"
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// The files, and a note for each SLO whose tests exercise nothing.
    package static func make(
        _ slos: [ServiceLevelObjective], out: String, format: Format, periodWindow: PrometheusRules.PeriodWindow = .recorded
    ) throws(Failure) -> (files: [(path: String, text: String)], notes: [String]) {
        var files: [(path: String, text: String)] = []
        var notes: [String] = []
        let resources = format == .prometheusOperator
        for slo in slos {
            if resources {
                guard PrometheusRules.isResourceName(slo) else {
                    throw Failure(
                        description:
                            "\(slo.file): \(slo.name): \(PrometheusRules.resourceName(slo)) is not a Kubernetes resource name (ASCII lower-case letters, digits and hyphens, at most 253)"
                    )
                }
                let left = PrometheusRules.resourceLabels(slo).left
                if !left.isEmpty {
                    notes.append(
                        "\(slo.file): \(slo.name): the labels \(left.joined(separator: ", ")) are on the alerts but not on the PrometheusRule: Kubernetes takes at most 63 letters, digits, -, _ and . as a label"
                    )
                }
                files.append((out + "/" + PrometheusRules.resourceFileName(slo), PrometheusRules.prometheusRule(slo, periodWindow: periodWindow)))
                files.append((out + "/tests/" + PrometheusRules.fileName(slo), PrometheusRules.file(slo, periodWindow: periodWindow)))
            } else {
                files.append((out + "/" + PrometheusRules.fileName(slo), PrometheusRules.file(slo, periodWindow: periodWindow)))
            }
            if let note = RuleTests.note(slo) { notes.append("\(slo.file): \(note)") }
            do {
                files += try RuleTests.files(slo, rulesBeside: resources, periodWindow: periodWindow).map { (out + "/tests/" + $0.name, $0.text) }
            } catch {
                throw Failure(description: "\(slo.file): \(slo.name): \(error)")
            }
        }
        return (files, notes)
    }

    /// `team=shop` texts (from `--label`) as routing labels.
    package static func labels(_ texts: [String]) throws(Failure) -> [String: String] {
        var given: [String: String] = [:]
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw Failure(description: "--label \(text): write name=value (team=shop)") }
            given[parts[0]] = parts[1]
        }
        do {
            return try SLOSpecs.labels(given, file: "--label", field: "")
        } catch {
            throw Failure(description: "--label \(error.field.dropFirst()): \(error.reason)")
        }
    }
}
