import Foundation
import LoadProfile
import LoadReport
import NIOCore
import ShopContract
import ShopDomain
import ShopSupport
import Synchronization

/// Everything a replay needs, as the command line gave it.
package struct LoadRunConfiguration: Sendable {
    package var target: URL
    package var profile: Profile
    package var profileFile: String
    /// Profile seconds per wall second.
    package var speed: Double
    /// Profile time at which to stop (the profile's duration unless cut short).
    package var end: Double
    package var seed: UInt64
    package var shard: Shard = .whole
    /// Threads sending requests (each with its own socket loop and connections).
    package var workers = 1
    package var limits = EngineLimits()
    /// One bearer token per simulated customer.
    package var customerTokens: [String]
    /// For the fault schedule's `PUT /v1/admin/faults`.
    package var adminToken: String?
    /// With `--sign-in`: the customers' accounts, whose tokens are refreshed as the run goes (and which
    /// the `sign-in` endpoint signs in again); `customerTokens` are then their first access tokens.
    package var sessions: CustomerSessions?
    /// Conditions checked on the run's own counts as it goes (`--abort-on-fail`, `--abort-on`): the first reached stops it.
    package var checks: [any LiveCheck] = []
    /// Where `--metrics-port` serves the live metrics, if it does.
    package var metricsAddress: (host: String, port: Int)?
    /// Wall seconds the metrics are still served after the replay, so the last scrape sees its final counts.
    package var metricsLinger = 0.0
    /// Share of requests whose `traceparent` asks for the trace to be sampled (recorded and exported); the rest
    /// still carry a trace id, which the service's access lines show.
    package var traceSample = 0.01
    /// Where a trace is shown (`{trace_id}` for its id), for the report's links.
    package var traceURL: String?

    package init(
        target: URL, profile: Profile, profileFile: String, speed: Double, end: Double, seed: UInt64, customerTokens: [String], adminToken: String?
    ) {
        self.target = target
        self.profile = profile
        self.profileFile = profileFile
        self.speed = speed
        self.end = end
        self.seed = seed
        self.customerTokens = customerTokens
        self.adminToken = adminToken
    }

    var host: String { target.host ?? "127.0.0.1" }
    var port: Int { target.port ?? (target.scheme == "https" ? 443 : 80) }
    var hostHeader: String { target.port.map { "\(host):\($0)" } ?? host }
    /// The target without a trailing slash, for appending paths.
    var baseURL: String { target.absoluteString.trimmingSuffix("/") }
}

/// A run that cannot start or cannot go on: one line for the operator.
package struct LoadRunError: Error, CustomStringConvertible, Sendable {
    package let description: String
    package init(_ description: String) { self.description = description }

    /// `what`, and why in the system's words (`code`, errno by default).
    static func system(_ what: String, code: Int32 = errno) -> LoadRunError { LoadRunError("\(what): \(String(cString: strerror(code)))") }
}

/// One replay of a profile against the API: reads the catalogue, starts the workers on the schedule,
/// applies the fault schedule on the profile's clock, and gathers the result.
package final class LoadRun: Sendable {
    package let configuration: LoadRunConfiguration
    package let progress = ProgressBoard()
    /// The live metrics, when `metricsAddress` is set.
    package let metrics: LiveMetrics?
    private let workers = Mutex<[LoadWorker]>([])
    private let stopReason = Mutex<LoadResult.Stop?>(nil)
    let stopped = Mutex(false)
    /// Whether the switchboard was last set to inject something: cleared if the run stops before its schedule does.
    let faultsSet = Mutex(false)
    private let start = Mutex<NIODeadline?>(nil)
    /// The target's address and the SKUs it sells, once read.
    private let target = Mutex<(address: TargetAddress, skus: [String])?>(nil)

    package init(_ configuration: LoadRunConfiguration) {
        self.configuration = configuration
        metrics = configuration.metricsAddress == nil ? nil : LiveMetrics(configuration)
    }

    /// When the run started, once it has.
    package var started: NIODeadline? { start.withLock { $0 } }

    package var wallDuration: Double { configuration.end / configuration.speed }

    /// Stops sending now (Ctrl-C); requests on the wire get a few seconds, then the result is written.
    package func stop() {
        stopped.withLock { $0 = true }
        for worker in workers.withLock({ $0 }) { worker.stop(grace: .seconds(5)) }
    }

    /// Runs the replay: the workers' threads end with it.
    package func run(log: @escaping @Sendable (String) -> Void) async throws -> LoadResult {
        try await replay(log: log)
    }

    /// Reads the catalogue: the first contact with the target, so a wrong address fails here, before the run.
    package func prepare() async throws {
        _ = try await prepared()
    }

    private func prepared() async throws(LoadRunError) -> (address: TargetAddress, skus: [String]) {
        if let target = target.withLock({ $0 }) { return target }
        let addresses = try TargetAddress.resolve(host: configuration.host, port: configuration.port)
        let (address, skus) = try await CatalogueRead.skus(of: configuration, at: addresses)
        guard !skus.isEmpty else { throw LoadRunError("the catalogue at \(configuration.target) is empty: nothing to order") }
        if configuration.profile.mix.share(of: .signIn) > 0, configuration.sessions == nil {
            throw LoadRunError("the profile's mix has sign-in, which needs the customers' accounts: give --sign-in")
        }
        target.withLock { $0 = (address, skus) }
        return (address, skus)
    }

    private func replay(log: @escaping @Sendable (String) -> Void) async throws -> LoadResult {
        let configuration = configuration
        let (address, skus) = try await prepared()
        var endpoint: MetricsEndpoint?
        if let metrics, let at = configuration.metricsAddress {
            let started = try await MetricsEndpoint.start(metrics, host: at.host, port: at.port)
            endpoint = started
            // Said once it listens, so a port that cannot be had is never announced (and port 0's is known).
            log("live metrics at http://\(at.host):\(started.port)/metrics")
        }
        let board = WindowBoard(workers: configuration.workers)
        let made: [LoadWorker]
        do {
            made = try makeWorkers(address: address, skus: skus, board: board)
        } catch {
            await endpoint?.stop()
            throw error
        }
        workers.withLock { $0 = made }
        let startedAt = Date()
        let start = NIODeadline.now() + .milliseconds(50)
        self.start.withLock { $0 = start }
        if stopped.withLock({ $0 }) { for worker in made { worker.stop(grace: .zero) } }
        let faults = Task { await self.applyFaults(from: start, log: log) }
        let watch = Task { await self.watch(board, from: start, startedAt: startedAt, log: log) }
        let refresh = Task { [baseURL = configuration.baseURL] in await configuration.sessions?.keepFresh(baseURL: baseURL, log: log) }
        await withTaskGroup(of: Void.self) { tasks in
            for worker in made { tasks.addTask { await worker.run(from: start) } }
        }
        faults.cancel()
        watch.cancel()
        refresh.cancel()
        await faults.value
        if stopped.withLock({ $0 }) { await clearFaultsLeftSet(log: log) }
        let wallSeconds = Double((NIODeadline.now() - start).nanoseconds) / 1e9
        // The workers' threads have ended: every window is on the board.
        let result = result(board.all(), startedAt: startedAt, wallSeconds: wallSeconds, interrupted: stopped.withLock { $0 })
        if let endpoint {
            sample(wallSeconds: wallSeconds, final: true)
            if configuration.metricsLinger > 0 { try? await Task.sleep(for: .seconds(configuration.metricsLinger)) }
            await endpoint.stop()
        }
        return result
    }

    /// One worker per `configuration.workers`, each with its share of the schedule, its factory and its recorder.
    private func makeWorkers(address: TargetAddress, skus: [String], board: WindowBoard) throws(LoadRunError) -> [LoadWorker] {
        let configuration = configuration
        var made: [LoadWorker] = []
        for index in 0..<configuration.workers {
            // Worker j of shard i/n takes the arrivals k with k mod (n·count) = i + n·j: together, shard i's.
            let shard = Shard(
                index: configuration.shard.index + configuration.shard.count * index, count: configuration.shard.count * configuration.workers)
            let schedule = ArrivalSchedule(
                profile: configuration.profile, speed: configuration.speed, seed: configuration.seed, shard: shard, end: configuration.end)
            let factory = RequestFactory(
                host: configuration.hostHeader, skus: skus, tokens: configuration.customerTokens, sessions: configuration.sessions,
                profile: configuration.profile, traceSample: configuration.traceSample)
            let recorder = WindowRecorder(windowSeconds: configuration.profile.window, board: board, worker: index, metrics: metrics)
            made.append(
                try LoadWorker(
                    address: address, limits: configuration.limits, schedule: schedule, factory: factory, recorder: recorder, progress: progress))
        }
        return made
    }

    /// A result of `windows`: the whole run's at its end, or the complete windows so far for a live check.
    private func result(
        _ windows: [Int: [String: LoadResult.EndpointCounts]], startedAt: Date, wallSeconds: Double, interrupted: Bool, profileEnd: Double? = nil
    ) -> LoadResult {
        let configuration = configuration
        let windowSeconds = configuration.profile.window
        let sorted = windows.map { index, endpoints in
            var window = self.window(index, windowSeconds: windowSeconds)
            window.endpoints = endpoints
            return window
        }.sorted { $0.index < $1.index }
        let profile = configuration.profile
        let summary = LoadResult.summarise(sorted, wallSeconds: wallSeconds)
        var result = LoadResult(
            profile: LoadResult.ProfileInfo(
                name: profile.name, file: configuration.profileFile, description: profile.description, durationSeconds: profile.duration,
                baseRate: profile.baseRate, peakRate: profile.peakRate, arrivals: profile.arrivals.rawValue, seed: configuration.seed,
                users: configuration.customerTokens.count,
                mix: Dictionary(uniqueKeysWithValues: profile.mix.weights.map { ($0.endpoint.rawValue, $0.weight) }),
                spikes: profile.spikes.map { .init(name: $0.name, startSeconds: $0.start, endSeconds: $0.end, multiplier: $0.multiplier) },
                faults: profile.faults.map { .init(atSeconds: $0.at, settings: $0.faults) },
                thresholds: profile.thresholds.map(\.expression)),
            target: configuration.target.absoluteString, shards: [configuration.shard],
            clocks: .init(
                startedAt: startedAt.formatted(.iso8601), wallSeconds: wallSeconds, speed: configuration.speed, windowSeconds: windowSeconds,
                profileStartSeconds: 0,
                profileEndSeconds: profileEnd ?? (interrupted ? min(configuration.end, wallSeconds * configuration.speed) : configuration.end)),
            interrupted: interrupted, windows: sorted, summary: summary,
            thresholds: LoadResult.evaluate(profile.thresholds, windows: sorted, summary: summary))
        result.stop = stopReason.withLock { $0 }
        result.traceURL = configuration.traceURL
        return result
    }

    /// Until cancelled: the live gauges, and the checks on each new complete window.
    private func watch(_ board: WindowBoard, from start: NIODeadline, startedAt: Date, log: @Sendable (String) -> Void) async {
        let checks = configuration.checks
        var checkedBefore = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(250))
            let wallSeconds = max(Double((NIODeadline.now() - start).nanoseconds) / 1e9, 0)
            sample(wallSeconds: wallSeconds)
            // The windows are copied only when another one is complete, not at every look.
            guard !checks.isEmpty, !stopped.withLock({ $0 }), board.completeBefore() > checkedBefore else { continue }
            let complete = board.complete()
            guard let last = complete.keys.max(), last + 1 > checkedBefore else { continue }
            checkedBefore = last + 1
            let profileSeconds = min(Double(last + 1) * configuration.profile.window, configuration.end)
            let partial = result(complete, startedAt: startedAt, wallSeconds: wallSeconds, interrupted: false, profileEnd: profileSeconds)
            for check in checks {
                guard let detail = check.reached(in: partial, at: profileSeconds) else { continue }
                let stop = LoadResult.Stop(reason: check.reason, detail: detail, profileSeconds: profileSeconds, wallSeconds: wallSeconds)
                stopReason.withLock { $0 = stop }
                log("stopping at \(DurationText.text(profileSeconds)) of profile time: \(detail)")
                self.stop()
                return
            }
        }
    }

    private func sample(wallSeconds: Double, final: Bool = false) {
        guard let metrics else { return }
        let configuration = configuration
        let profileTime = min(wallSeconds * configuration.speed, configuration.end)
        let target = final ? 0 : configuration.profile.rate(at: profileTime) / Double(configuration.shard.count)
        metrics.sample(wallSeconds: wallSeconds, profileTime: profileTime, targetRate: target, totals: progress.totals(), final: final)
    }

    private func window(_ index: Int, windowSeconds: Double) -> LoadResult.Window {
        let from = Double(index) * windowSeconds
        let to = min(from + windowSeconds, configuration.end)
        let target = configuration.profile.expectedRequests(from: from, to: to, speed: configuration.speed) / Double(configuration.shard.count)
        return LoadResult.Window(
            index: index, profileStartSeconds: from, wallStartSeconds: from / configuration.speed, targetRequests: target, endpoints: [:])
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
