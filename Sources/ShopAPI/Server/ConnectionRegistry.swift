import NIOCore
import Synchronization

/// Where a connection is in its request cycle, readable from any thread for the registry's choice.
final class ConnectionActivity: Sendable {
    enum Phase: UInt8 {
        /// Kept alive, waiting for the next request.
        case idle
        /// Part of a request head has arrived.
        case head
        /// The head has arrived, the body is still coming.
        case body
        /// A request is being answered: never evicted.
        case busy
    }

    private let phaseValue = Atomic<UInt8>(Phase.idle.rawValue)
    private let sinceValue = Atomic<Int64>(Int64(NIODeadline.now().uptimeNanoseconds))

    var phase: Phase { Phase(rawValue: phaseValue.load(ordering: .relaxed)) ?? .busy }
    var since: NIODeadline { .uptimeNanoseconds(UInt64(sinceValue.load(ordering: .relaxed))) }

    func enter(_ phase: Phase, at time: NIODeadline) {
        guard phase.rawValue != phaseValue.load(ordering: .relaxed) else { return }
        sinceValue.store(Int64(time.uptimeNanoseconds), ordering: .relaxed)
        phaseValue.store(phase.rawValue, ordering: .relaxed)
    }
}

/// The open client connections and the cap on them. At the cap a new connection is admitted by closing
/// the one that has waited or stalled longest (an idle kept-alive connection, or one whose head or body
/// has been arriving for at least `minimumStall`); when every one is busy answering, the new one is
/// refused. So slow clients cannot hold every descriptor: a flood of them recycles itself while a normal
/// client's connection, whose head arrives at once, gets in and is served.
final class ConnectionRegistry: Sendable {
    let capacity: Int
    let minimumStall: TimeAmount
    private let open = Mutex<[ObjectIdentifier: (channel: any Channel, activity: ConnectionActivity)]>([:])

    enum Admission {
        case admitted
        /// Admitted in place of this connection, which the caller closes.
        case admittedInPlaceOf(any Channel)
        case refused
    }

    init(capacity: Int, minimumStall: TimeAmount = .milliseconds(250)) {
        self.capacity = capacity
        self.minimumStall = minimumStall
    }

    var count: Int { open.withLock { $0.count } }

    func admit(_ channel: any Channel, activity: ConnectionActivity) -> Admission {
        let now = NIODeadline.now()
        return open.withLock { open in
            var admission = Admission.admitted
            if open.count >= capacity {
                // The longest-waiting connection that is not answering a request and has stalled long enough.
                var victim: (key: ObjectIdentifier, since: NIODeadline)?
                for (key, entry) in open where entry.activity.phase != .busy {
                    let since = entry.activity.since
                    if now - since >= minimumStall, since < victim?.since ?? .distantFuture { victim = (key, since) }
                }
                guard let victim, let evicted = open.removeValue(forKey: victim.key) else { return .refused }
                admission = .admittedInPlaceOf(evicted.channel)
            }
            open[ObjectIdentifier(channel)] = (channel, activity)
            return admission
        }
    }

    /// Forgets a closed connection; false if it was not held (refused, or already evicted).
    @discardableResult
    func remove(_ channel: any Channel) -> Bool {
        open.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) != nil }
    }
}
