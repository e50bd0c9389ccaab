import Foundation
import JSONLogging
import Logging
import OTel
import ServiceLifecycle
import ShopAPI
import Tracing

/// The process's logging and tracing backends, bootstrapped once: JSON lines carrying `trace_id` and
/// `span_id`, and W3C trace propagation. With an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, and the other standard `OTEL_*` variables) spans are recorded
/// and exported over OTLP/HTTP by swift-otel; without one, `PropagatingTracer` keeps propagation and
/// log correlation and records nothing. With `tracing` false no tracer is bootstrapped at all (swift-distributed-
/// tracing's no-op one stays): the benchmarks' baseline.
enum Telemetry {
    static func bootstrap(service: String, logLevel: Logger.Level, tracing: Bool = true) throws -> any Service {
        let environment = ProcessInfo.processInfo.environment
        let exporting = tracing && (environment["OTEL_EXPORTER_OTLP_ENDPOINT"] != nil || environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] != nil)
        let metadataProvider = exporting ? OTel.makeLoggingMetadataProvider() : PropagatingTracer.loggingMetadataProvider
        LoggingSystem.bootstrap(
            { label, provider in JSONLogHandler(label: label, service: service, level: logLevel, metadataProvider: provider) },
            metadataProvider: tracing ? metadataProvider : nil)
        guard exporting else {
            if tracing { InstrumentationSystem.bootstrap(PropagatingTracer()) }
            return NothingToRun()
        }
        var configuration = OTel.Configuration.default
        configuration.serviceName = service
        // swift-otel's own warnings (an export failed, spans dropped) as JSON lines like every other.
        configuration.diagnosticLogger = .custom(Logger(label: "swift-otel"))
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.exporter = .otlp
        let (tracer, tracing) = try OTel.makeTracingBackend(configuration: configuration)
        InstrumentationSystem.bootstrap(tracer)
        return tracing
    }

    /// Stands in for the exporter's service when there is nothing to export.
    struct NothingToRun: Service {
        func run() async throws {
            try? await gracefulShutdown()
        }
    }
}
