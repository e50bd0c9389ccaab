import Foundation

/// A setting that cannot be used, named with its value and what it should be: one line for the operator.
package struct TracingConfigurationError: Error, CustomStringConvertible, Equatable {
    package let description: String

    static func invalid(_ variable: String, _ value: String, _ expected: String) -> Self {
        Self(description: "\(variable)=\(value) is not valid: expected \(expected)")
    }
}

/// What the tracer records and where it sends it, from the standard `OTEL_*` variables
/// (opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables). Spans are exported only
/// when an OTLP endpoint is set; otherwise the tracer propagates and correlates logs and records nothing.
/// Invalid values are refused with the variable named rather than silently replaced by defaults, so a
/// typo in a batch size is found at start, not after an incident.
package struct TracingConfiguration: Sendable, Equatable {
    package var sampler = Sampler.default
    /// `service.name` first, then `OTEL_RESOURCE_ATTRIBUTES` in order.
    package var resource: [Attribute] = []
    /// The full URL spans are posted to; nil: record nothing.
    package var endpoint: URL?
    package var headers: [Attribute] = []
    package var exportTimeout: Duration = .seconds(10)
    package var scheduleDelay: Duration = .seconds(5)
    package var maxQueueSize = 2048
    package var maxExportBatchSize = 512
    /// How long one batch may take to leave, retries included.
    package var batchTimeout: Duration = .seconds(30)
    /// Settings that are valid but that this exporter does not act on, one line each, to log at start.
    package var warnings: [String] = []

    package struct Attribute: Sendable, Equatable {
        package let key: String
        package let value: String
    }

    package init(serviceName: String) {
        resource = [Attribute(key: "service.name", value: serviceName)]
    }

    package var serviceName: String { resource.first { $0.key == "service.name" }?.value ?? "" }

    package init(serviceName: String, environment: [String: String]) throws(TracingConfigurationError) {
        self.init(serviceName: serviceName)
        let env = environment.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty }
        if env["OTEL_SDK_DISABLED"]?.lowercased() == "true" { return }

        for pair in try Self.pairs(env["OTEL_RESOURCE_ATTRIBUTES"], variable: "OTEL_RESOURCE_ATTRIBUTES") {
            resource.removeAll { $0.key == pair.key }
            resource.append(pair)
        }
        if let name = env["OTEL_SERVICE_NAME"] {
            resource.removeAll { $0.key == "service.name" }
            resource.insert(Attribute(key: "service.name", value: name), at: 0)
        }
        sampler = try Sampler(name: env["OTEL_TRACES_SAMPLER"], argument: env["OTEL_TRACES_SAMPLER_ARG"])

        // At least 1 ms: a delay of 0 would wake the export task without pause.
        scheduleDelay = try Self.milliseconds(env, "OTEL_BSP_SCHEDULE_DELAY", default: scheduleDelay)
        batchTimeout = try Self.milliseconds(env, "OTEL_BSP_EXPORT_TIMEOUT", default: batchTimeout)
        maxQueueSize = try Self.count(env, "OTEL_BSP_MAX_QUEUE_SIZE", default: maxQueueSize)
        maxExportBatchSize = try Self.count(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", default: maxExportBatchSize)
        guard maxExportBatchSize <= maxQueueSize else {
            throw .invalid("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "\(maxExportBatchSize)", "at most OTEL_BSP_MAX_QUEUE_SIZE (\(maxQueueSize))")
        }

        switch env["OTEL_TRACES_EXPORTER"]?.lowercased() ?? "otlp" {
        case "otlp": break
        case "none": return
        case let other: throw .invalid("OTEL_TRACES_EXPORTER", other, "otlp or none (this service exports OTLP/HTTP only)")
        }
        let protocolVariable = env["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] != nil ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL"
        if let protocolName = env[protocolVariable], protocolName != "http/protobuf" {
            throw .invalid(
                protocolVariable, protocolName, "http/protobuf (this service exports OTLP/HTTP protobuf; grpc and http/json are not built)")
        }
        if let traces = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] {
            endpoint = try Self.url(traces, variable: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        } else if let base = env["OTEL_EXPORTER_OTLP_ENDPOINT"] {
            // The signal path is appended to the shared endpoint, after any path it already has.
            let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
            endpoint = try Self.url(trimmed + "/v1/traces", variable: "OTEL_EXPORTER_OTLP_ENDPOINT", shown: base)
        }
        headers = try Self.pairs(env["OTEL_EXPORTER_OTLP_HEADERS"], variable: "OTEL_EXPORTER_OTLP_HEADERS")
        for pair in try Self.pairs(env["OTEL_EXPORTER_OTLP_TRACES_HEADERS"], variable: "OTEL_EXPORTER_OTLP_TRACES_HEADERS") {
            headers.removeAll { $0.key.lowercased() == pair.key.lowercased() }
            headers.append(pair)
        }
        let timeoutVariable = env["OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"] != nil ? "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT" : "OTEL_EXPORTER_OTLP_TIMEOUT"
        exportTimeout = try Self.milliseconds(env, timeoutVariable, default: exportTimeout)
        for variable in ["OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"] {
            if let value = env[variable], value != "none" { warnings.append("\(variable)=\(value) is not supported: spans are sent uncompressed") }
        }
        for variable in ["CERTIFICATE", "CLIENT_KEY", "CLIENT_CERTIFICATE"] {
            for name in ["OTEL_EXPORTER_OTLP_\(variable)", "OTEL_EXPORTER_OTLP_TRACES_\(variable)"] where env[name] != nil {
                warnings.append("\(name) is not supported: https endpoints are verified against the system's trust store")
            }
        }
    }

    /// `key=value,key=value` with percent-encoded values (W3C Baggage's format, as the specification asks).
    static func pairs(_ text: String?, variable: String) throws(TracingConfigurationError) -> [Attribute] {
        guard let text else { return [] }
        var pairs: [Attribute] = []
        for member in text.split(separator: ",") {
            let parts = member.split(separator: "=", maxSplits: 1)
            let key = parts.first?.trimmingCharacters(in: .whitespaces) ?? ""
            guard parts.count == 2, !key.isEmpty,
                let value = parts[1].trimmingCharacters(in: .whitespaces).removingPercentEncoding
            else { throw .invalid(variable, text, "comma-separated key=value pairs with percent-encoded values") }
            pairs.append(Attribute(key: key, value: value))
        }
        return pairs
    }

    static func url(_ text: String, variable: String, shown: String? = nil) throws(TracingConfigurationError) -> URL {
        guard let url = URL(string: text.trimmingCharacters(in: .whitespaces)), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", url.host?.isEmpty == false
        else { throw .invalid(variable, shown ?? text, "an http:// or https:// URL") }
        return url
    }

    static func milliseconds(_ env: [String: String], _ variable: String, default value: Duration) throws(TracingConfigurationError) -> Duration {
        guard let text = env[variable] else { return value }
        guard let milliseconds = Int(text.trimmingCharacters(in: .whitespaces)), (1...3_600_000).contains(milliseconds) else {
            throw .invalid(variable, text, "milliseconds from 1 to 3600000")
        }
        return .milliseconds(milliseconds)
    }

    static func count(_ env: [String: String], _ variable: String, default value: Int) throws(TracingConfigurationError) -> Int {
        guard let text = env[variable] else { return value }
        guard let count = Int(text.trimmingCharacters(in: .whitespaces)), (1...10_000_000).contains(count) else {
            throw .invalid(variable, text, "a whole number from 1 to 10000000")
        }
        return count
    }
}
