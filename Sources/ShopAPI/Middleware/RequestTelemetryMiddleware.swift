import HTTPTypes
import Hummingbird
import JSONLogging
import Logging
import NIOCore
import PaymentGateway
import Prometheus
import ShopContract
import ShopMetrics
import ShopTracing
import Synchronization
import Tracing

/// The HTTP server's series in one registry: the request histogram and the in-flight gauge.
final class HTTPServerMetrics: Sendable {
    static let standardMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]

    let registry: PrometheusCollectorRegistry
    let active: Gauge
    let exemplars = RequestExemplars()
    /// The histogram of each series seen (with its labels as rendered, for exemplars), so a request does not
    /// pay for the registry's lock and label keys.
    private let histograms = Mutex<[SeriesKey: (histogram: ValueHistogram, labels: String)]>([:])

    private struct SeriesKey: Hashable {
        let method: String
        let route: String
        let status: Int
        let synthetic: Bool
    }

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        active = registry.makeGauge(descriptor: MetricNames.activeRequests.descriptor)
    }

    /// Records one response under its route template (`unmatched` when none). Unknown methods become `_OTHER`,
    /// so no client can grow the series. `trace`, the request's span when it is sampled, becomes the bucket's exemplar.
    func record(method rawMethod: String, route: String, status: Int, seconds: Double, synthetic: Bool = false, trace: TraceParent? = nil) {
        let method = Self.standardMethods.contains(rawMethod) ? rawMethod : MetricNames.otherMethod
        let key = SeriesKey(method: method, route: route, status: status, synthetic: synthetic)
        let series = histograms.withLock { known in
            if let series = known[key] { return series }
            let histogram = registry.makeValueHistogram(
                descriptor: MetricNames.requestDuration.descriptor,
                labels: [
                    ("http_request_method", method), ("http_route", route), ("http_response_status_code", String(status)),
                    (SyntheticTraffic.label, String(synthetic)),
                ],
                buckets: MetricNames.requestDurationBuckets)
            let series = (histogram, RequestExemplars.labels(method: method, route: route, status: status, synthetic: synthetic))
            known[key] = series
            return series
        }
        series.histogram.record(seconds)
        if let trace { exemplars.record(labels: series.labels, seconds: seconds, trace: trace) }
    }
}

/// The outermost middleware (`buildRouter` states the order): continues the caller's W3C trace (or starts one) in a server span named
/// `{method} {route}`, times every response, problems included, once, records it in the request histogram
/// (by method, route template and status), writes one access log line inside the span (so it carries
/// `trace_id`), and answers the trace in a `traceresponse` header. Being
/// outermost, a 404, 405, 413 or 422 made further in is recorded like a 200. Hummingbird's own
/// MetricsMiddleware leaves thrown errors out of its duration and has no unit in its name, so an SLO
/// built on it would miss exactly the failed requests.
struct RequestTelemetryMiddleware: RouterMiddleware {
    typealias Context = ShopRequestContext
    let metrics: HTTPServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        metrics.active.increment()
        let start = NIODeadline.now()
        defer { metrics.active.decrement() }
        var traceContext = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &traceContext, using: HTTPFieldsExtractor())
        // A rehearsal's request (`baggage: synthetic=true`): counted, logged and traced apart from a customer's.
        let synthetic = request.headers[.baggage] != nil && request.headers[values: .baggage].contains { SyntheticTraffic.isMarked(baggage: $0) }
        return try await withSpan(request.method.rawValue, context: traceContext, ofKind: .server) { span in
            if span.isRecording {
                span.attributes["http.request.method"] = request.method.rawValue
                span.attributes["url.path"] = request.uri.path
                if synthetic { span.attributes["shop.synthetic"] = true }
            }
            do {
                var response = try await next(request, context)
                finish(
                    request, context, span, status: response.status.code, bytesOut: response.body.contentLength, synthetic: synthetic, since: start)
                InstrumentationSystem.instrument.inject(span.context, into: &response.headers, using: TraceResponseInjector())
                return response
            } catch {
                // Only errors no middleware below turned into a response get here; the server answers them with a 500.
                span.recordError(error)
                finish(
                    request, context, span, status: (error as? any HTTPResponseError)?.status.code ?? 500, bytesOut: nil, synthetic: synthetic,
                    since: start)
                throw error
            }
        }
    }

    private func finish(
        _ request: Request, _ context: Context, _ span: any Span, status: Int, bytesOut: Int?, synthetic: Bool, since start: NIODeadline
    ) {
        let seconds = Double((NIODeadline.now() - start).nanoseconds) / 1_000_000_000
        let template = APIRoute.template(forEndpointPath: context.endpointPath)
        let route = template ?? MetricNames.unmatchedRoute
        // Only a recorded span is exported, so only its trace can be an exemplar that links somewhere.
        let trace = span.isRecording ? ShopTracer.current(in: span.context) : nil
        metrics.record(method: request.method.rawValue, route: route, status: status, seconds: seconds, synthetic: synthetic, trace: trace)
        if span.isRecording {
            span.operationName = request.method.rawValue + " " + route
            if let template { span.attributes["http.route"] = template }
            span.attributes["http.response.status_code"] = status
            if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
        }
        // Built inside the autoclosure, so a logger above `info` pays nothing for the access line.
        context.logger.log(
            .info, "request",
            fields: Self.accessLine(request, context, route: route, status: status, seconds: seconds, bytesOut: bytesOut, synthetic: synthetic))
    }

    private static func accessLine(
        _ request: Request, _ context: Context, route: String, status: Int, seconds: Double, bytesOut: Int?, synthetic: Bool
    ) -> [(key: String, value: LineField)] {
        AccessLine.fields(
            method: request.method.rawValue, route: route, path: request.uri.path, status: status, seconds: seconds,
            bytesIn: request.headers[.contentLength].flatMap { Int($0) } ?? 0, bytesOut: bytesOut ?? 0,
            client: context.clientAddress, user: context.facts.subject, synthetic: synthetic)
    }
}

extension HTTPField.Name {
    /// W3C Trace Context level 2: the trace this response belongs to, for a client to find it.
    static let traceResponse = Self("traceresponse")!
    /// W3C Baggage: where a rehearsal says its requests are synthetic.
    static let baggage = Self(SyntheticTraffic.baggageHeader)!
}

/// Reads trace context from request headers.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from headers: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { headers[$0] }
    }
}

/// Writes the span's `traceparent` into a response as `traceresponse`, and nothing else.
struct TraceResponseInjector: Injector {
    func inject(_ value: String, forKey key: String, into headers: inout HTTPFields) {
        if key == "traceparent" { headers[.traceResponse] = value }
    }
}
