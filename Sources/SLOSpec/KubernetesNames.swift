/// What Kubernetes accepts in a resource's metadata (its API conventions), so that `--format
/// prometheus-operator` never writes a PrometheusRule that `kubectl apply` refuses: Prometheus takes any
/// text as a label value, Kubernetes at most 63 characters of letters, digits, `-`, `_` and `.`.
enum KubernetesNames {
    /// A label value: empty, or at most 63 of letters, digits, `-`, `_`, `.`, beginning and ending with a
    /// letter or digit.
    static func isLabelValue(_ value: String) -> Bool {
        value.isEmpty || isQualified(value)
    }

    /// A label key without a prefix: a label value that is not empty.
    static func isLabelKey(_ key: String) -> Bool { isQualified(key) }

    /// A resource name (a DNS subdomain): at most 253 of lower-case letters, digits, `-` and `.`,
    /// beginning and ending with a letter or digit.
    static func isName(_ name: String) -> Bool {
        name.count <= 253 && name.allSatisfy { isAlphanumeric($0) && !$0.isUppercase || $0 == "-" || $0 == "." }
            && name.first.map(isAlphanumeric) == true && name.last.map(isAlphanumeric) == true
    }

    static func isQualified(_ text: String) -> Bool {
        text.count <= 63 && text.allSatisfy { isAlphanumeric($0) || "-_.".contains($0) }
            && text.first.map(isAlphanumeric) == true && text.last.map(isAlphanumeric) == true
    }

    static func isAlphanumeric(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
}
