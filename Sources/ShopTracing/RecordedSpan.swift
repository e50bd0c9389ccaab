import NIOConcurrencyHelpers
import Tracing

/// One sampled span while it runs and, once ended, until its batch is exported. A class with a plain lock
/// rather than a `Mutex`: `attributes` gets a `_modify` accessor that edits the stored dictionary in
/// place, where a getter and a setter would copy it for every attribute set.
package final class RecordedSpan: @unchecked Sendable {
    package let context: ServiceContext
    let ids: TraceParent
    let parentSpan: UInt64
    let kind: SpanKind
    let start: UInt64
    private let batcher: SpanBatcher

    private let lock = NIOLock()
    // Guarded by `lock` until `end` is set; read without it only by the batcher, after `end`.
    private(set) var name: String
    private var storedAttributes: SpanAttributes = [:]
    private(set) var status: SpanStatus?
    private(set) var events: [SpanEvent] = []
    private(set) var links: [(ids: TraceParent, attributes: SpanAttributes)] = []
    private(set) var droppedEvents = 0
    private(set) var droppedLinks = 0
    private(set) var end: UInt64 = 0

    /// What the specification's default limits allow per span; more are counted as dropped.
    static let eventLimit = 128, linkLimit = 128, attributeLimit = 128

    init(name: String, context: ServiceContext, ids: TraceParent, parentSpan: UInt64, kind: SpanKind, start: UInt64, batcher: SpanBatcher) {
        self.name = name
        self.context = context
        self.ids = ids
        self.parentSpan = parentSpan
        self.kind = kind
        self.start = start
        self.batcher = batcher
        // Room for the server span's five attributes at once, rather than regrowing the dictionary as they come.
        storedAttributes.reserveCapacity(6)
    }

    var finishedAttributes: SpanAttributes { storedAttributes }

    var operationName: String {
        get { lock.withLock { name } }
        set { lock.withLock { if end == 0 { name = newValue } } }
    }

    var attributes: SpanAttributes {
        get { lock.withLock { storedAttributes } }
        _modify {
            lock.lock()
            defer { lock.unlock() }
            if end == 0 {
                yield &storedAttributes
            } else {
                var discarded = storedAttributes
                yield &discarded
            }
        }
        set { lock.withLock { if end == 0 { storedAttributes = newValue } } }
    }

    func setStatus(_ status: SpanStatus) {
        lock.withLock {
            // An `ok` is final (the specification's rule).
            guard end == 0, self.status?.code != .ok else { return }
            self.status = status
        }
    }

    func addEvent(_ event: SpanEvent) {
        lock.withLock {
            guard end == 0 else { return }
            if events.count < Self.eventLimit { events.append(event) } else { droppedEvents += 1 }
        }
    }

    func addLink(_ link: SpanLink) {
        guard let ids = link.context[TraceParentKey.self] else { return }
        lock.withLock {
            guard end == 0 else { return }
            if links.count < Self.linkLimit { links.append((ids, link.attributes)) } else { droppedLinks += 1 }
        }
    }

    func finish(at nanoseconds: UInt64) {
        let ended = lock.withLock {
            guard end == 0 else { return false }
            end = max(nanoseconds, start)
            return true
        }
        if ended { batcher.append(self) }
    }
}

/// The span the tracer hands out: a recorded one, or (not sampled, or nothing to export to) only a place in
/// the trace, which costs no allocation beyond its context.
package enum ShopSpan: Span {
    case recorded(RecordedSpan)
    case propagated(ServiceContext, name: String)

    package var context: ServiceContext {
        switch self {
        case .recorded(let span): span.context
        case .propagated(let context, _): context
        }
    }

    package var operationName: String {
        get {
            switch self {
            case .recorded(let span): span.operationName
            case .propagated(_, let name): name
            }
        }
        nonmutating set { if case .recorded(let span) = self { span.operationName = newValue } }
    }

    package var attributes: SpanAttributes {
        get { if case .recorded(let span) = self { span.attributes } else { [:] } }
        nonmutating _modify {
            if case .recorded(let span) = self {
                yield &span.attributes
            } else {
                var discarded = SpanAttributes()
                yield &discarded
            }
        }
        nonmutating set { if case .recorded(let span) = self { span.attributes = newValue } }
    }

    package var isRecording: Bool { if case .recorded = self { true } else { false } }

    package func setStatus(_ status: SpanStatus) { if case .recorded(let span) = self { span.setStatus(status) } }
    package func addEvent(_ event: SpanEvent) { if case .recorded(let span) = self { span.addEvent(event) } }
    package func addLink(_ link: SpanLink) { if case .recorded(let span) = self { span.addLink(link) } }

    /// An `exception` event, as the semantic conventions name its attributes; the status is left to the caller.
    package func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        guard case .recorded(let span) = self else { return }
        var attributes = attributes
        attributes["exception.type"] = String(reflecting: type(of: error))
        attributes["exception.message"] = String(describing: error)
        span.addEvent(SpanEvent(name: "exception", at: instant(), attributes: attributes))
    }

    package func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        if case .recorded(let span) = self { span.finish(at: instant().nanosecondsSinceEpoch) }
    }
}
