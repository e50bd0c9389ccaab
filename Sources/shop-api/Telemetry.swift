import Foundation
import Logging
import OTel
import ServiceLifecycle
import ShopAPI
import Tracing

/// The process's logging and tracing backends, bootstrapped once: JSON lines carrying `trace_id` and
/// `span_id`, and an OpenTelemetry tracer with W3C propagation. Spans are exported over OTLP/HTTP only when
/// an endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, and the
/// other standard `OTEL_*` variables); without one, propagation and log correlation still work.
enum Telemetry {
    static func bootstrap(service: String, logLevel: Logger.Level) throws -> some Service {
        LoggingSystem.bootstrap(
            { label, provider in JSONLogHandler(label: label, service: service, level: logLevel, metadataProvider: provider) },
            metadataProvider: OTel.makeLoggingMetadataProvider())
        let environment = ProcessInfo.processInfo.environment
        var configuration = OTel.Configuration.default
        configuration.serviceName = service
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        let exporting = environment["OTEL_EXPORTER_OTLP_ENDPOINT"] != nil || environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] != nil
        configuration.traces.exporter = exporting ? .otlp : .none
        // swift-otel's own diagnostics: without an exporter, a full span queue is expected and harmless.
        configuration.diagnosticLogLevel = exporting ? .warning : .error
        let (tracer, tracing) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        return tracing
    }
}
