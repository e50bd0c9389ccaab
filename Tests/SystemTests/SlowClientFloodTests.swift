import Foundation
import JSONLogging
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import Prometheus
import ShopAPITestSupport
import ShopContract
import ShopMetrics
import ShopTestSupport
import Synchronization
import Testing

@testable import ShopAPI

/// Slow clients cannot take the server offline: a flood of sockets that never finish their heads, more than
/// the process has descriptors, while a normal client keeps being answered.
@Suite("Slow-client flood", .serialized)
struct SlowClientFloodTests {
    /// Keeps `target` connections open that each send half a request head and then nothing, opening a new
    /// one whenever the server closes one, until stopped; from `sources` loopback addresses (127.0.1.x), each
    /// standing for a host of a flood from many.
    final class SlowlorisFlood: Sendable {
        let port: Int
        let target: Int
        let sources: Int
        let opened = Atomic<Int>(0)
        let closedByServer = Atomic<Int>(0)
        private let stopped = Atomic<Bool>(false)
        private let open = Mutex<[any Channel]>([])

        init(port: Int, target: Int, sources: Int) {
            self.port = port
            self.target = target
            self.sources = sources
        }

        func start() async {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<target { group.addTask { await self.keepOne() } }
            }
        }

        /// One slot of the flood: a slow connection, replaced whenever the server lets it go.
        private func keepOne() async {
            while !stopped.load(ordering: .relaxed) {
                let source = try! SocketAddress(ipAddress: "127.0.1.\(Int.random(in: 1...sources))", port: 0)
                guard
                    let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(to: source)
                        .connectTimeout(.seconds(2)).connect(host: "127.0.0.1", port: port).get()
                else { continue }
                opened.add(1, ordering: .relaxed)
                open.withLock { $0.append(channel) }
                try? await channel.writeAndFlush(ByteBuffer(string: "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")).get()
                try? await channel.closeFuture.get()
                if !stopped.load(ordering: .relaxed) { closedByServer.add(1, ordering: .relaxed) }
            }
        }

        func stop() {
            stopped.store(true, ordering: .relaxed)
            for channel in open.withLock({ $0 }) { channel.close(promise: nil) }
        }
    }

    /// From one host the flood is refused at the door (its address's share is 32); from 16, each within its
    /// share, it fills the cap and churns through it by eviction.
    @Test(.timeLimit(.minutes(2)), arguments: [1, 16])
    func aFloodLargerThanTheDescriptorLimitCannotStarveANormalClient(sources: Int) async throws {
        // 256 descriptors: the cap is what they leave after the reserve (128 connections).
        let api = try await ShopAPIProcess([], descriptorLimit: 256)
        defer { Task { await api.stop(signal: SIGKILL) } }
        let flood = SlowlorisFlood(port: api.port, target: 400, sources: sources)
        let attack = Task { await flood.start() }
        // Let the flood pass the limit before the normal client starts.
        while flood.opened.load(ordering: .relaxed) < 400 { try await Task.sleep(for: .milliseconds(20)) }

        var slowest = Duration.zero
        for _ in 0..<20 {
            let start = ContinuousClock.now
            let reply = try await RawHTTPConnection.exchange(
                port: api.port, ["GET /v1/products/SKU-00001 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"], from: "127.0.0.2",
                readTimeout: .seconds(5))
            let took = ContinuousClock.now - start
            slowest = max(slowest, took)
            #expect(reply.status == 200, "after \(took): closed by the server: \(reply.closedByServer), \(reply.raw.prefix(200))")
        }
        #expect(slowest < .seconds(1), "the slowest answer took \(slowest)")
        print(
            "flood: \(flood.opened.load(ordering: .relaxed)) connections opened, \(flood.closedByServer.load(ordering: .relaxed)) closed by the server; slowest answer \(slowest)"
        )
        #expect(flood.closedByServer.load(ordering: .relaxed) > 0, "the server let go of stalled connections")

        flood.stop()
        await attack.value
        let samples = try await RawHTTPConnection.scrape(port: api.port)
        let reason = sources == 1 ? "address_limit" : "evicted"
        #expect(samples["\(MetricNames.connectionsClosed){reason=\"\(reason)\"}"] ?? 0 > 0)
        #expect(samples["\(MetricNames.acceptErrors)"] == 0, "the cap kept it from running out of descriptors")
        let log = try String(contentsOfFile: api.log, encoding: .utf8)
        let capLines = log.split(separator: "\n").filter { $0.contains(sources == 1 ? "holds its share of the cap" : "at the connection cap") }
        #expect((1...10).contains(capLines.count), "one line per cause every 10 s, not one per socket: \(capLines.count)")
        await api.stop()
    }

    // MARK: The registry's choice, without sockets

    static func channel() -> EmbeddedChannel { EmbeddedChannel() }

    @Test func atTheCapTheLongestStalledConnectionMakesRoom() throws {
        let registry = ConnectionRegistry(capacity: 2, perAddress: 2, minimumStall: .milliseconds(100))
        let (busy, stalled, newcomer) = (Self.channel(), Self.channel(), Self.channel())
        let busyActivity = ConnectionActivity()
        busyActivity.enter(.busy, at: .now() - .seconds(60))
        let stalledActivity = ConnectionActivity()
        stalledActivity.enter(.head, at: .now() - .seconds(5))
        #expect(isAdmitted(registry.admit(busy, address: "10.0.0.1", activity: busyActivity)))
        #expect(isAdmitted(registry.admit(stalled, address: "10.0.0.2", activity: stalledActivity)))
        guard case .admittedInPlaceOf(let evicted) = registry.admit(newcomer, address: "10.0.0.3", activity: ConnectionActivity()) else {
            Issue.record("expected an eviction")
            return
        }
        #expect(evicted === stalled, "the stalled one goes, never the busy one")
        #expect(registry.count == 2)
    }

    @Test func withEveryConnectionBusyOrJustArrivedANewOneIsRefused() {
        let registry = ConnectionRegistry(capacity: 2, perAddress: 2, minimumStall: .seconds(1))
        let busy = ConnectionActivity()
        busy.enter(.busy, at: .now() - .seconds(60))
        let fresh = ConnectionActivity()  // accepted just now: not waiting long enough to evict
        #expect(isAdmitted(registry.admit(Self.channel(), address: "10.0.0.1", activity: busy)))
        #expect(isAdmitted(registry.admit(Self.channel(), address: "10.0.0.2", activity: fresh)))
        guard case .refused = registry.admit(Self.channel(), address: "10.0.0.3", activity: ConnectionActivity()) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(registry.count == 2)
    }

    /// Seen stalling in a head goes first, however recent; a connection not read yet goes last, however old:
    /// it may be a normal client whose head a saturated loop has not reached.
    @Test func evictionTakesStalledHeadsBeforeIdleBeforeUnread() {
        let registry = ConnectionRegistry(capacity: 3, perAddress: 3)
        func activity(_ phase: ConnectionActivity.Phase, secondsAgo: Int64) -> ConnectionActivity {
            let activity = ConnectionActivity()
            activity.enter(phase, at: .now() - .seconds(secondsAgo))
            return activity
        }
        let (unread, idle, stalled) = (Self.channel(), Self.channel(), Self.channel())
        let unreadActivity = ConnectionActivity()  // fresh since its creation
        #expect(isAdmitted(registry.admit(unread, address: "10.0.0.1", activity: unreadActivity)))
        #expect(isAdmitted(registry.admit(idle, address: "10.0.0.2", activity: activity(.idle, secondsAgo: 30))))
        #expect(isAdmitted(registry.admit(stalled, address: "10.0.0.3", activity: activity(.head, secondsAgo: 1))))
        var evicted: [ObjectIdentifier] = []
        for _ in 0..<3 {
            if case .admittedInPlaceOf(let channel) = registry.admit(Self.channel(), address: "10.0.0.4", activity: activity(.busy, secondsAgo: 0)) {
                evicted.append(ObjectIdentifier(channel))
            }
        }
        #expect(evicted == [ObjectIdentifier(stalled), ObjectIdentifier(idle), ObjectIdentifier(unread)])
    }

    @Test func oneAddressHoldsAtMostItsShareAndGetsItBackAsItsConnectionsClose() {
        let registry = ConnectionRegistry(capacity: 8)
        #expect(registry.perAddress == 2, "a quarter of the cap by default")
        let (first, second) = (Self.channel(), Self.channel())
        #expect(isAdmitted(registry.admit(first, address: "10.0.0.9", activity: ConnectionActivity())))
        #expect(isAdmitted(registry.admit(second, address: "10.0.0.9", activity: ConnectionActivity())))
        #expect(registry.addressIsFull("10.0.0.9") && !registry.addressIsFull("10.0.0.10"))
        guard case .refusedForAddress = registry.admit(Self.channel(), address: "10.0.0.9", activity: ConnectionActivity()) else {
            Issue.record("expected a refusal for the address")
            return
        }
        #expect(isAdmitted(registry.admit(Self.channel(), address: "10.0.0.10", activity: ConnectionActivity())))
        registry.remove(first)
        #expect(!registry.addressIsFull("10.0.0.9"))
    }

    /// Out of descriptors, accept fails: NIO pauses accepting for a second (its back-off handler, which this one
    /// stands in front of); the failure is counted, and logged once however many follow within 10 s.
    @Test func acceptFailuresAreCountedAndLoggedOncePerInterval() throws {
        let registry = PrometheusCollectorRegistry()
        let sink = LogSink.memory()
        let logger = Logger(label: "shop-api") { JSONLogHandler(label: $0, service: "shop-api", level: .info, sink: sink) }
        let events = ConnectionEvents(requests: nil, metrics: ShopMetrics(registry: registry), logger: logger)
        let listener = EmbeddedChannel(handler: AcceptErrorReporter(events: events))
        for _ in 0..<3 { listener.pipeline.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept")) }
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        #expect(Exposition.samples(String(decoding: bytes, as: UTF8.self))["\(MetricNames.acceptErrors)"] == 3)
        let warnings = try LogLines.objects(sink).filter { $0["cause"] as? String == "accept" }
        #expect(warnings.count == 1)
        #expect(warnings.first?["level"] as? String == "warning")
    }

    func isAdmitted(_ admission: ConnectionRegistry.Admission) -> Bool {
        if case .admitted = admission { true } else { false }
    }
}
