import NIOCore
import Synchronization

/// Where a connection is in its request cycle, readable from any thread for the registry's choice.
final class ConnectionActivity: Sendable {
    /// In the order the registry evicts them, first to last (`busy` never).
    enum Phase: UInt8, Comparable {
        /// Part of a request head has arrived and the rest has not: seen stalling.
        case head
        /// The head has arrived, the body is still coming.
        case body
        /// Kept alive after an answer, waiting for the next request.
        case idle
        /// Accepted and not read yet: perhaps a normal client whose head a saturated loop has not reached.
        case fresh
        /// A request is being answered: never evicted.
        case busy

        static func < (a: Phase, b: Phase) -> Bool { a.rawValue < b.rawValue }
    }

    private let phaseValue = Atomic<UInt8>(Phase.fresh.rawValue)
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
/// another: one seen stalling in its head first, then in its body, then one kept alive idle, then one not
/// read yet, the longest-waiting of the first kind there is; when every one is busy answering, the new one
/// is refused. So slow clients cannot hold every descriptor: a flood of them recycles itself, and a normal
/// client's connection, which is never seen stalling (busy as soon as its head is read, and last in line
/// while a saturated loop has not read it yet), gets in and is served.
/// (A minimum stall before eviction would backfire: a flood churning faster than it would leave only fresh
/// connections, and every newcomer, the normal client's too, would be refused.)
///
/// One address may hold at most `perAddress` of them (nginx's limit_conn): a flood from one host is refused
/// at the door, cheaply, and cannot churn everyone else's connections through the cap.
final class ConnectionRegistry: Sendable {
    let capacity: Int
    let perAddress: Int
    let minimumStall: TimeAmount
    private let state = Mutex(State())

    fileprivate struct State {
        var open: [ObjectIdentifier: (channel: any Channel, address: String?, activity: ConnectionActivity)] = [:]
        var perAddress: [String: Int] = [:]
    }

    enum Admission {
        case admitted
        /// Admitted in place of this connection, which the caller closes.
        case admittedInPlaceOf(any Channel)
        /// Every connection is busy answering a request.
        case refused
        /// Its address holds its share of the connections already.
        case refusedForAddress
    }

    init(capacity: Int, perAddress: Int? = nil, minimumStall: TimeAmount = .zero) {
        self.capacity = capacity
        self.perAddress = perAddress ?? max(1, capacity / 4)
        self.minimumStall = minimumStall
    }

    var count: Int { state.withLock { $0.open.count } }

    /// Whether a connection from `address` would be over its address's share: checked before anything is
    /// built for it.
    func addressIsFull(_ address: String?) -> Bool {
        guard let address else { return false }
        return state.withLock { ($0.perAddress[address] ?? 0) >= perAddress }
    }

    func admit(_ channel: any Channel, address: String?, activity: ConnectionActivity) -> Admission {
        let now = NIODeadline.now()
        return state.withLock { state in
            if let address, state.perAddress[address] ?? 0 >= perAddress { return .refusedForAddress }
            var admission = Admission.admitted
            if state.open.count >= capacity {
                // The first phase in eviction order, and within it the longest-waiting, stalled long enough.
                var victim: (key: ObjectIdentifier, phase: ConnectionActivity.Phase, since: NIODeadline)?
                for (key, entry) in state.open {
                    let phase = entry.activity.phase
                    guard phase != .busy else { continue }
                    let since = entry.activity.since
                    guard now - since >= minimumStall else { continue }
                    if let chosen = victim, (chosen.phase, chosen.since) <= (phase, since) { continue }
                    victim = (key, phase, since)
                }
                guard let victim, let evicted = state.remove(victim.key) else { return .refused }
                admission = .admittedInPlaceOf(evicted)
            }
            state.open[ObjectIdentifier(channel)] = (channel, address, activity)
            if let address { state.perAddress[address, default: 0] += 1 }
            return admission
        }
    }

    /// Forgets a closed connection; false if it was not held (refused, or already evicted).
    @discardableResult
    func remove(_ channel: any Channel) -> Bool {
        state.withLock { $0.remove(ObjectIdentifier(channel)) != nil }
    }
}

extension ConnectionRegistry.State {
    mutating func remove(_ key: ObjectIdentifier) -> (any Channel)? {
        guard let entry = open.removeValue(forKey: key) else { return nil }
        if let address = entry.address {
            let left = (perAddress[address] ?? 1) - 1
            perAddress[address] = left > 0 ? left : nil
        }
        return entry.channel
    }
}
