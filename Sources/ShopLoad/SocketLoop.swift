// For timespec's initialiser: with Hummingbird linked here, MemberImportVisibility finds it in CDispatch's copy of the header.
import CDispatch
import CSocketLoop
import Foundation
import Glibc
import NIOCore
import Synchronization

/// What a socket loop tells an object it watches a socket for.
protocol SocketWatcher: AnyObject {
    func socketReady(readable: Bool, writable: Bool, failed: Bool)
}

/// One load worker's event loop, on a thread of its own: sockets through epoll, the worker's alarm, a few
/// one-off timers, and work handed in from other threads (an eventfd wakes it).
///
/// While its owner says answers may wait, a socket with bytes to read does not wake the loop sooner than
/// `collectInterval` after it last woke (an alarm or a timer still does): a wake-up costs more CPU here than
/// a request's own work, and what was read keeps the time the kernel stamped on it (`received(stamp:)`), so
/// batching reads changes no latency. Only while reads come stamped: the kernel turns stamping on a little
/// after it is asked, so the first reads may have none.
///
/// Written here rather than run on NIO's event loop because an open-loop generator pays per wake-up, and at
/// 1,000 req/s a wake-up is about one request: NIO's loop (its task queue under a lock, a timerfd re-armed for
/// each timer, the channel pipeline) took about 30 µs of user CPU per request, twice wrk's whole user time;
/// this loop is an `epoll_pwait2` with the next deadline, then the sockets' handlers. Linux only.
final class SocketLoop: @unchecked Sendable {
    private let epoll: Int32
    /// Watches only `wakeUp`: what the loop waits on while answers may wait.
    private let quiet: Int32
    private let wakeUp: Int32
    private var watchers: [(any SocketWatcher)?] = []
    private let events: UnsafeMutablePointer<epoll_event>
    private static let eventCapacity: Int32 = 64
    /// The owner's one recurring timer: the next arrival.
    private var alarm: NIODeadline?
    private var onAlarm: () -> Void = {}
    /// One-off timers (connect timeouts, a stop's grace), few at a time.
    private var timers: [(deadline: NIODeadline, id: Int, fire: () -> Void)] = []
    private var nextTimerID = 0
    private let handedIn = Mutex<[@Sendable () -> Void]>([])
    private var finished = false
    /// At most how long sockets wait to be read while `answersMayWait()`, and the alarm while
    /// `alarmMayWait()`; zero: neither waits.
    var collectInterval = TimeAmount.zero
    var answersMayWait: () -> Bool = { false }
    /// While true, the loop does not wake for the alarm alone: it runs it first thing at its next wake-up
    /// (before any socket), or `collectInterval` after it was due.
    var alarmMayWait: () -> Bool = { false }
    /// When the loop last woke, and CLOCK_REALTIME minus that (receipt stamps are on the realtime clock).
    private var woke = NIODeadline.now()
    private var realtimeOffset: Int64 = 0
    /// Whether the last read that gave bytes had the kernel's stamp.
    private var readsAreStamped = false
    /// Where sockets are read into; a slice handed on (a kept body) makes the next read allocate afresh.
    var readBuffer = ByteBufferAllocator().buffer(capacity: 64 * 1024)

    init() throws(LoadRunError) {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        quiet = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeUp = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        events = .allocate(capacity: Int(Self.eventCapacity))
        guard epoll >= 0, quiet >= 0, wakeUp >= 0 else { throw .system("cannot create an event loop") }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeUp
        epoll_ctl(epoll, EPOLL_CTL_ADD, wakeUp, &event)
        epoll_ctl(quiet, EPOLL_CTL_ADD, wakeUp, &event)
    }

    deinit {
        events.deallocate()
        close(epoll)
        close(quiet)
        close(wakeUp)
    }

    // MARK: Sockets (on the loop's thread)

    func watch(_ fd: Int32, by watcher: any SocketWatcher, writable: Bool) {
        if watchers.count <= Int(fd) { watchers += Array(repeating: nil, count: Int(fd) + 1 - watchers.count) }
        watchers[Int(fd)] = watcher
        control(EPOLL_CTL_ADD, fd, writable: writable)
    }

    /// Whether `fd` is also watched for room to write (a request the socket did not take at once, or a connect).
    func watch(_ fd: Int32, writable: Bool) { control(EPOLL_CTL_MOD, fd, writable: writable) }

    func unwatch(_ fd: Int32) {
        epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil)
        if Int(fd) < watchers.count { watchers[Int(fd)] = nil }
    }

    private func control(_ operation: Int32, _ fd: Int32, writable: Bool) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | (writable ? EPOLLOUT.rawValue : 0)
        event.data.fd = fd
        epoll_ctl(epoll, operation, fd, &event)
    }

    // MARK: Time (on the loop's thread)

    /// When bytes just read reached the socket, on the loop's clock, from their receive stamp
    /// (CLOCK_REALTIME nanoseconds from `shim_read_stamped`, 0 for none); nil when unstamped.
    func received(stamp: Int64) -> NIODeadline? {
        let uptime = stamp - realtimeOffset
        readsAreStamped = stamp > 0 && uptime > 0
        return readsAreStamped ? .uptimeNanoseconds(UInt64(uptime)) : nil
    }

    /// Sets the owner's alarm, called with `onAlarm` when it is due; nil clears it.
    func setAlarm(_ deadline: NIODeadline?) { alarm = deadline }

    func onAlarm(_ handler: @escaping () -> Void) { onAlarm = handler }

    /// Runs `fire` once at `deadline` (now or past: at the end of this turn); the id cancels it.
    @discardableResult
    func after(_ deadline: NIODeadline, _ fire: @escaping () -> Void) -> Int {
        nextTimerID += 1
        timers.append((deadline, nextTimerID, fire))
        return nextTimerID
    }

    func cancel(_ timer: Int) { timers.removeAll { $0.id == timer } }

    // MARK: From any thread

    /// Runs `work` on the loop's thread, soon.
    func execute(_ work: @escaping @Sendable () -> Void) {
        handedIn.withLock { $0.append(work) }
        var one: UInt64 = 1
        _ = write(wakeUp, &one, 8)
    }

    // MARK: Running

    /// Ends `run` after the current turn.
    func finish() { finished = true }

    /// Runs `begin`, then the loop, on a thread of its own until `finish()`.
    func runOnThread(_ begin: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                begin()
                self.run()
                done.resume()
            }
            thread.start()
        }
    }

    /// Waits for sockets and timers and runs their handlers on the calling thread until `finish()`.
    private func run() {
        while !finished {
            let alarmWaits = collectInterval > .zero && alarm != nil && alarmMayWait()
            let deadline = nextDeadline(alarmSlack: alarmWaits ? collectInterval : .zero)
            if collectInterval > .zero, readsAreStamped, answersMayWait() {
                // Only work handed in cuts this short; the wait on the sockets below then returns at once
                // if any has bytes.
                let held = deadline.map { min($0, woke + collectInterval) } ?? woke + collectInterval
                if held > .now() { _ = wait(on: quiet, until: held) }
            }
            let ready = wait(on: epoll, until: deadline)
            woke = .now()
            realtimeOffset = shim_realtime_nanoseconds() - Int64(woke.uptimeNanoseconds)
            if alarmWaits { fireAlarmIfDue() }
            for index in 0..<Int(max(ready, 0)) {
                let event = events[index]
                let fd = event.data.fd
                if fd == wakeUp {
                    runHandedIn()
                } else if Int(fd) < watchers.count, let watcher = watchers[Int(fd)] {
                    let flags = event.events
                    watcher.socketReady(
                        readable: flags & EPOLLIN.rawValue != 0, writable: flags & EPOLLOUT.rawValue != 0,
                        failed: flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0)
                }
            }
            fireDueTimers()
        }
        // What is left holds its owner (timers, handlers); the loop is done with them.
        timers.removeAll()
        watchers.removeAll()
        onAlarm = {}
        answersMayWait = { false }
        alarmMayWait = { false }
    }

    /// epoll_pwait2 on `set` until `deadline` (nil: no limit): how many events it gave.
    private func wait(on set: Int32, until deadline: NIODeadline?) -> Int32 {
        guard let deadline else { return epoll_pwait2(set, events, Self.eventCapacity, nil, nil) }
        let wait = max((deadline - .now()).nanoseconds, 0)
        var timeout = timespec(tv_sec: Int(wait / 1_000_000_000), tv_nsec: Int(wait % 1_000_000_000))
        return epoll_pwait2(set, events, Self.eventCapacity, &timeout, nil)
    }

    private func nextDeadline(alarmSlack: TimeAmount) -> NIODeadline? {
        var earliest = alarm.map { $0 + alarmSlack }
        for timer in timers where earliest.map({ timer.deadline < $0 }) ?? true { earliest = timer.deadline }
        return earliest
    }

    private func fireAlarmIfDue(now: NIODeadline = .now()) {
        guard let alarm, alarm <= now else { return }
        self.alarm = nil
        onAlarm()
    }

    private func fireDueTimers() {
        let now = NIODeadline.now()
        fireAlarmIfDue(now: now)
        guard !timers.isEmpty, timers.contains(where: { $0.deadline <= now }) else { return }
        let due = timers.filter { $0.deadline <= now }
        timers.removeAll { $0.deadline <= now }
        for timer in due { timer.fire() }
    }

    private func runHandedIn() {
        var count: UInt64 = 0
        _ = read(wakeUp, &count, 8)
        let work = handedIn.withLock { work in
            defer { work.removeAll() }
            return work
        }
        for item in work { item() }
    }
}

/// The target's socket address, resolved once for the run.
struct TargetAddress: Sendable, Equatable {
    private let storage: sockaddr_storage
    private let length: socklen_t
    let family: Int32

    /// Every address `host` has, in the resolver's order (for `localhost`, often IPv6's `::1` first).
    static func resolve(host: String, port: Int) throws(LoadRunError) -> [TargetAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &found)
        guard status == 0, found != nil else { throw LoadRunError("cannot resolve \(host): \(String(cString: gai_strerror(status)))") }
        defer { freeaddrinfo(found) }
        var addresses: [TargetAddress] = []
        var entry = found
        while let info = entry?.pointee {
            if let address = info.ai_addr {
                var storage = sockaddr_storage()
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.ai_addrlen))) }
                addresses.append(TargetAddress(storage: storage, length: info.ai_addrlen, family: info.ai_family))
            }
            entry = info.ai_next
        }
        guard !addresses.isEmpty else { throw LoadRunError("cannot resolve \(host): no address") }
        return addresses
    }

    static func == (a: TargetAddress, b: TargetAddress) -> Bool {
        a.family == b.family && a.length == b.length
            && withUnsafeBytes(of: a.storage) { x in
                withUnsafeBytes(of: b.storage) { y in x.prefix(Int(a.length)).elementsEqual(y.prefix(Int(b.length))) }
            }
    }

    /// `connect(2)` on `fd` to this address.
    func connect(_ fd: Int32) -> Int32 {
        withUnsafeBytes(of: storage) { bytes in
            Glibc.connect(fd, bytes.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}
