import Foundation
import JSONLogging
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import ShopContract
import ShopMetrics
import ShopTracing
import Tracing

/// The process's logging and tracing backends, bootstrapped once: JSON lines carrying `trace_id` and
/// `span_id`, and W3C trace propagation. With an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, and the other standard `OTEL_*` variables) sampled spans are
/// recorded and exported over OTLP/HTTP protobuf; without one, spans are propagated and recorded nowhere.
/// With `tracing` false no tracer is bootstrapped at all (swift-distributed-tracing's no-op one stays):
/// the benchmarks' baseline.
enum Telemetry {
    static func bootstrap(
        service: String, logLevel: Logger.Level, tracing: Bool = true, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()
    ) throws -> any Service {
        LoggingSystem.bootstrap(
            { label, provider in JSONLogHandler(label: label, service: service, level: logLevel, metadataProvider: provider) },
            metadataProvider: tracing ? ShopTracer.loggingMetadataProvider : nil)
        guard tracing else { return NothingToRun() }
        let configuration = try TracingConfiguration(serviceName: service, environment: ProcessInfo.processInfo.environment)
        let logger = Logger(label: "tracing")
        for warning in configuration.warnings { logger.warning("\(warning)") }
        guard let endpoint = configuration.endpoint else {
            InstrumentationSystem.bootstrap(ShopTracer())
            return NothingToRun()
        }
        let dropped = { (reason: String) in
            Counter(
                label: MetricNames.spansDropped.name, dimensions: [],
                handler: metrics.makeCounter(
                    descriptor: MetricNames.spansDropped.descriptor, labels: [("reason", reason)]))
        }
        let counters = SpanBatcher.Counters(
            exported: Counter(
                label: MetricNames.spansExported.name, dimensions: [], handler: metrics.makeCounter(descriptor: MetricNames.spansExported.descriptor)),
            droppedQueueFull: dropped("queue_full"), droppedExportFailed: dropped("export_failed"))
        let batcher = SpanBatcher(configuration: configuration, endpoint: endpoint, counters: counters, logger: logger, scope: service)
        InstrumentationSystem.bootstrap(ShopTracer(sampler: configuration.sampler, batcher: batcher))
        return batcher
    }

    /// Stands in for the exporter's service when there is nothing to export.
    struct NothingToRun: Service {
        func run() async throws {
            try? await gracefulShutdown()
        }
    }
}
