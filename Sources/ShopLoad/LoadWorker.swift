import Histogram
import LoadProfile
import NIOCore
import NIOPosix

/// Limits of a worker's connection pool and its patience.
public struct EngineLimits: Sendable {
    /// Keep-alive connections per worker.
    public var connections = 64
    /// Requests admitted (on the wire or waiting for a connection) per worker; an arrival beyond it is dropped.
    public var maxInFlight = 10_000
    /// A request sent later than this after its intended start is counted late.
    public var lateTolerance: TimeAmount = .milliseconds(10)
    public var connectTimeout: TimeAmount = .seconds(2)
    /// Arrivals due this soon after a timer fires are sent with it: one wake-up per batch, not one per
    /// request. Such a request leaves up to this much early, and its latency is then measured from its actual
    /// send. Wake-ups are what an open-loop generator pays for (a context switch here costs more than a
    /// request's own work): at 1,000 req/s, 2 ms took CPU per request from 126 µs (0.5 ms) to 65 µs.
    public var sendAhead: TimeAmount = .milliseconds(2)

    public init() {}
}

/// Sends one share of a run's arrivals on one event loop, open-loop: each request is due at the time the
/// schedule says, whether or not earlier ones have been answered. Latency is measured from that intended
/// start (corrected) and from the actual send (uncorrected). Everything here runs on `loop`; no locks.
final class LoadWorker: NIOScheduledCallbackHandler, @unchecked Sendable {
    let loop: any EventLoop
    let host: String
    let port: Int
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
    private var finished: EventLoopPromise<Void>?
    private var timer: NIOScheduledCallback?

    struct Job {
        /// Where its outcome is counted.
        let slot: (window: WindowRecorder.Window, stats: WindowRecorder.Live)
        let intended: NIODeadline
        let request: PreparedRequest
    }

    init(
        loop: any EventLoop, host: String, port: Int, limits: EngineLimits, schedule: ArrivalSchedule, factory: RequestFactory,
        recorder: WindowRecorder, progress: ProgressBoard
    ) {
        self.loop = loop
        self.host = host
        self.port = port
        self.limits = limits
        self.schedule = schedule
        self.factory = factory
        self.mix = schedule.profile.mix
        self.recorder = recorder
        self.progress = progress
    }

    /// Runs the schedule from `start`; the future completes when every request has been answered or dropped.
    func run(from start: NIODeadline) -> EventLoopFuture<Void> {
        loop.flatSubmit {
            self.start = start
            self.finished = self.loop.makePromise()
            self.next = self.schedule.nextArrival()
            self.tick()
            return self.finished!.futureResult
        }
    }

    /// Stops sending: requests not yet sent are dropped; those on the wire get `grace` to finish.
    func stop(grace: TimeAmount) {
        loop.execute {
            guard !self.stopping else { return }
            self.stopping = true
            self.next = nil
            self.timer?.cancel()
            while let job = self.waiting.popFirst() {
                self.recorder.dropped(job.slot)
                self.progress.dropped(wasAdmitted: true)
                self.inFlight -= 1
            }
            // Whatever is still on the wire then ends as an error (its connection closed under it).
            self.loop.scheduleTask(in: grace) { for connection in self.connections.values { connection.channel.close(promise: nil) } }
            self.checkFinished()
        }
    }

    private func tick() {
        timer = nil
        let now = NIODeadline.now()
        let horizon = now + limits.sendAhead
        while let arrival = next {
            let due = start + .nanoseconds(Int64(arrival.wallTime * 1e9))
            guard due <= horizon else {
                // A callback, not a scheduled task: no promise nor closure to allocate for each of a run's many timers.
                // It fails only when the loop is shutting down, which ends the run anyway.
                timer = try? loop.assumeIsolated().scheduleCallback(at: due, handler: self)
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
            connection.send(job)
        } else {
            waiting.append(job)
            openIfNeeded()
        }
    }

    private func answered(_ answer: Answer, on connection: LoadConnection) {
        guard let (job, sent) = connection.current else { return }
        connection.current = nil
        let done = NIODeadline.now()
        let late = sent - job.intended > limits.lateTolerance
        let start = min(job.intended, sent)
        let status = answer.status.map(StatusClass.init(status:)) ?? .error
        recorder.completed(job.slot, status: status, late: late, corrected: (done - start).nanoseconds, uncorrected: (done - sent).nanoseconds)
        progress.completed(status: status, corrected: (done - start).nanoseconds)
        factory.observe(job.request, answer)
        inFlight -= 1
        if answer.reusable, connection.isOpen, !stopping {
            release(connection)
        } else {
            open -= 1
            connections[ObjectIdentifier(connection)] = nil
            connection.channel.close(promise: nil)
            openIfNeeded()
        }
        checkFinished()
    }

    private func release(_ connection: LoadConnection) {
        if let job = waiting.popFirst() { connection.send(job) } else { idle.append(connection) }
    }

    /// Opens connections for waiting jobs, up to the pool's size.
    private func openIfNeeded() {
        while opening < waiting.count, open + opening < limits.connections {
            opening += 1
            LoadConnection.open(host: host, port: port, on: loop, timeout: limits.connectTimeout).whenComplete { result in
                self.opening -= 1
                switch result {
                case .success(let connection):
                    if self.stopping {
                        connection.channel.close(promise: nil)
                    } else {
                        self.open += 1
                        self.connections[ObjectIdentifier(connection)] = connection
                        // The worker holds the connection until it closes; the handler goes with the channel.
                        connection.handler.onAnswer = { [unowned connection] answer in self.answered(answer, on: connection) }
                        self.release(connection)
                    }
                case .failure:
                    // No connection: the job that waited longest fails as an error, as a client would see it.
                    if let job = self.waiting.popFirst() {
                        let now = NIODeadline.now()
                        self.recorder.completed(
                            job.slot, status: .error, late: now - job.intended > self.limits.lateTolerance,
                            corrected: (now - job.intended).nanoseconds, uncorrected: 0, sent: false)
                        self.progress.completed(status: .error, corrected: (now - job.intended).nanoseconds)
                        self.inFlight -= 1
                    }
                    self.openIfNeeded()
                }
                self.checkFinished()
            }
        }
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        tick()
    }

    private func checkFinished() {
        guard next == nil, inFlight == 0, let finished else { return }
        self.finished = nil
        recorder.closeWindows(before: Int.max)
        for connection in connections.values { connection.channel.close(promise: nil) }
        connections.removeAll()
        idle.removeAll()
        finished.succeed()
    }
}
