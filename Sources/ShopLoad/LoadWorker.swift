import Histogram
import LoadProfile
import LoadReport
import NIOCore

/// Limits of a worker's connection pool and its patience.
package struct EngineLimits: Sendable {
    /// Keep-alive connections per worker.
    package var connections = 64
    /// Requests admitted (on the wire or waiting for a connection) per worker; an arrival beyond it is dropped.
    package var maxInFlight = 10_000
    /// A request sent later than this after its intended start is counted late.
    package var lateTolerance: TimeAmount = .milliseconds(10)
    package var connectTimeout: TimeAmount = .seconds(2)
    /// Arrivals due this soon after a timer fires are sent with it: one wake-up per batch, not one per
    /// request. Such a request leaves up to this much early, and its latency is then measured from its actual
    /// send. Wake-ups are what an open-loop generator pays for (a context switch here costs more than a
    /// request's own work): at 1,000 req/s, 2 ms took CPU per request from 126 µs (0.5 ms) to 65 µs.
    package var sendAhead: TimeAmount = .milliseconds(2)
    /// While every admitted request is on the wire, answers are read at most this often (or with the next
    /// arrival, if it is due first), several per wake-up; zero reads each as it comes. Latency is unchanged: an
    /// answer's time is the kernel's receive stamp. What it costs is a connection held until its answer is
    /// read; once a request waits for a connection, answers are read as they come again.
    package var collectInterval: TimeAmount = .milliseconds(5)

    package init() {}
}

/// Sends one share of a run's arrivals on a socket loop of its own, open-loop: each request is due at the time the
/// schedule says, whether or not earlier ones have been answered. Latency is measured from that intended
/// start (corrected) and from the actual send (uncorrected). Everything here runs on `loop`'s thread; no locks.
final class LoadWorker: @unchecked Sendable {
    let loop: SocketLoop
    let address: TargetAddress
    let limits: EngineLimits
    let recorder: WindowRecorder
    let progress: ProgressBoard
    private var schedule: ArrivalSchedule
    private let factory: RequestFactory
    private let mix: EndpointMix
    private var next: ArrivalSchedule.Arrival?
    private var start = NIODeadline.now()
    private var idle: [LoadConnection] = []
    /// Every open connection, idle or busy.
    private var connections: [ObjectIdentifier: LoadConnection] = [:]
    private var opening = 0
    private var open = 0
    private var waiting = CircularBuffer<Job>()
    private var inFlight = 0
    private var stopping = false
    private var running = false

    struct Job {
        /// Where its outcome is counted.
        let slot: WindowRecorder.Live
        let intended: NIODeadline
        let request: PreparedRequest
        /// Sent again once already, after a reused connection closed under it unanswered.
        var retried = false
    }

    init(
        address: TargetAddress, limits: EngineLimits, schedule: ArrivalSchedule, factory: RequestFactory, recorder: WindowRecorder,
        progress: ProgressBoard
    ) throws(LoadRunError) {
        self.loop = try SocketLoop()
        loop.collectInterval = limits.collectInterval
        self.address = address
        self.limits = limits
        self.schedule = schedule
        self.factory = factory
        self.mix = schedule.profile.mix
        self.recorder = recorder
        self.progress = progress
    }

    /// Runs the schedule from `start` on a thread of its own; returns when every request has been answered or
    /// dropped.
    func run(from start: NIODeadline) async {
        await loop.runOnThread {
            self.start = start
            self.running = true
            self.next = self.schedule.nextArrival()
            self.loop.onAlarm { [unowned self] in self.tick() }
            self.loop.answersMayWait = { [unowned self] in
                self.inFlight > 0 && self.waiting.isEmpty && self.opening == 0 && !self.stopping
            }
            // With every connection busy and requests already waiting, an arrival can only join the queue: it
            // is taken up at the next wake-up, before the answers that woke the loop, so it is admitted or
            // dropped just as at its time, and no send is later for it.
            self.loop.alarmMayWait = { [unowned self] in
                !self.waiting.isEmpty && self.open + self.opening >= self.limits.connections
            }
            self.tick()
        }
    }

    /// Stops sending: requests not yet sent are dropped; those on the wire get `grace` to finish.
    func stop(grace: TimeAmount) {
        loop.execute {
            guard !self.stopping else { return }
            self.stopping = true
            self.next = nil
            self.loop.setAlarm(nil)
            while let job = self.waiting.popFirst() {
                self.recorder.dropped(job.slot)
                self.progress.dropped(wasAdmitted: true)
                self.inFlight -= 1
            }
            // Whatever is still on the wire then ends as an error (its connection closed under it).
            self.loop.after(.now() + grace) { for connection in self.connections.values { connection.close() } }
            self.checkFinished()
        }
    }

    private func tick() {
        let now = NIODeadline.now()
        let horizon = now + limits.sendAhead
        while let arrival = next {
            let due = start + .nanoseconds(Int64(arrival.wallTime * 1e9))
            guard due <= horizon else {
                loop.setAlarm(due)
                break
            }
            dispatch(arrival, due: due)
            next = schedule.nextArrival()
        }
        recorder.closeWindows(before: next.map { Int($0.profileTime / recorder.windowSeconds) } ?? Int.max)
        checkFinished()
    }

    private func dispatch(_ arrival: ArrivalSchedule.Arrival, due: NIODeadline) {
        var random = SplitMix64(seed: arrival.seed)
        let endpoint = mix.pick(arrival.evenMixPoint ?? random.nextUnit())
        let slot = recorder.scheduled(window: Int(arrival.profileTime / recorder.windowSeconds), endpoint: endpoint)
        guard inFlight < limits.maxInFlight else {
            recorder.dropped(slot)
            progress.dropped()
            return
        }
        inFlight += 1
        progress.admitted()
        let job = Job(slot: slot, intended: due, request: factory.make(endpoint, profileTime: arrival.profileTime, random: &random))
        if let connection = idle.popLast() {
            send(job, on: connection)
        } else {
            waiting.append(job)
            openIfNeeded()
        }
    }

    private func answered(_ answer: Answer, on connection: LoadConnection) {
        guard let current = connection.current.take() else { return }
        // One request at a time per connection: it was reused if an answer came on it before this one.
        let reused = connection.answers > 0
        connection.answers += 1
        if answer.unanswered, reused, !current.job.retried, current.job.request.idempotent, !stopping {
            // The keep-alive race: the server closed the connection as idle while the request was on its
            // way, so it never read it. As HTTP clients do for GET and HEAD (RFC 9112 §9.3.1), it goes
            // once more on a new connection; its latency still counts from its intended start.
            var again = current.job
            again.retried = true
            forget(connection)
            waiting.prepend(again)
            openIfNeeded()
            return
        }
        let job = current.job, sent = current.sent
        // Read late, an answer still counts from when it arrived; never before its request left.
        let done = max(answer.received ?? .now(), sent)
        let late = sent - job.intended > limits.lateTolerance
        let start = min(job.intended, sent)
        let status = answer.status.map(StatusClass.init(status:)) ?? .error
        recorder.completed(
            job.slot, code: answer.status, late: late, corrected: (done - start).nanoseconds, uncorrected: (done - sent).nanoseconds,
            trace: job.request.trace)
        progress.completed(status: status, corrected: (done - start).nanoseconds)
        factory.observe(job.request, answer)
        inFlight -= 1
        if answer.reusable, connection.isOpen, !stopping {
            release(connection)
        } else {
            forget(connection)
            openIfNeeded()
        }
        checkFinished()
    }

    private func release(_ connection: LoadConnection) {
        if let job = waiting.popFirst() { send(job, on: connection) } else { idle.append(connection) }
    }

    private func send(_ job: consuming Job, on connection: LoadConnection) {
        let request = job.request
        connection.current = LoadConnection.Sent(job: job, sent: .now())
        connection.send(request.bytes, head: request.head, keepBody: request.keepBody)
    }

    /// Opens connections for waiting jobs, up to the pool's size.
    private func openIfNeeded() {
        while opening < waiting.count, open + opening < limits.connections {
            opening += 1
            LoadConnection.open(to: address, on: loop, timeout: limits.connectTimeout) { opened in
                self.opening -= 1
                if case .success(let connection) = opened {
                    if self.stopping {
                        connection.close()
                    } else {
                        self.open += 1
                        self.connections[ObjectIdentifier(connection)] = connection
                        // The worker holds the connection until it closes.
                        connection.onAnswer = { [unowned connection] answer in self.answered(answer, on: connection) }
                        connection.onIdleClose = { [unowned connection] in
                            self.forget(connection)
                            self.idle.removeAll { $0 === connection }
                        }
                        self.release(connection)
                    }
                } else if let job = self.waiting.popFirst() {
                    // No connection: the job that waited longest fails as an error, as a client would see it.
                    let now = NIODeadline.now()
                    self.recorder.completed(
                        job.slot, code: nil, late: now - job.intended > self.limits.lateTolerance,
                        corrected: (now - job.intended).nanoseconds, uncorrected: 0, sent: false, trace: job.request.trace)
                    self.progress.completed(status: .error, corrected: (now - job.intended).nanoseconds)
                    self.inFlight -= 1
                    self.openIfNeeded()
                } else {
                    self.openIfNeeded()
                }
                self.checkFinished()
            }
        }
    }

    /// Takes a connection out of the pool for good, and closes it.
    private func forget(_ connection: LoadConnection) {
        open -= 1
        connections[ObjectIdentifier(connection)] = nil
        connection.close()
    }

    private func checkFinished() {
        guard running, next == nil, inFlight == 0 else { return }
        running = false
        recorder.closeWindows(before: Int.max)
        for connection in connections.values { connection.close() }
        connections.removeAll()
        idle.removeAll()
        loop.finish()
    }
}
