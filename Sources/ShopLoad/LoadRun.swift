import AsyncHTTPClient
import Foundation
import LoadProfile
import LoadReport
import NIOCore
import NIOHTTP1
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
    private let workers = Mutex<[LoadWorker]>([])
    private let stopped = Mutex(false)
    private let start = Mutex<NIODeadline?>(nil)
    /// The target's address and the SKUs it sells, once read.
    private let target = Mutex<(address: TargetAddress, skus: [String])?>(nil)

    package init(_ configuration: LoadRunConfiguration) {
        self.configuration = configuration
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
        target.withLock { $0 = (address, skus) }
        return (address, skus)
    }

    private func replay(log: @escaping @Sendable (String) -> Void) async throws -> LoadResult {
        let configuration = configuration
        let (address, skus) = try await prepared()
        let windowSeconds = configuration.profile.window
        let count = configuration.workers
        var made: [LoadWorker] = []
        for index in 0..<count {
            // Worker j of shard i/n takes the arrivals k with k mod (n·count) = i + n·j: together, shard i's.
            let shard = Shard(index: configuration.shard.index + configuration.shard.count * index, count: configuration.shard.count * count)
            let schedule = ArrivalSchedule(
                profile: configuration.profile, speed: configuration.speed, seed: configuration.seed, shard: shard, end: configuration.end)
            let factory = RequestFactory(
                host: configuration.hostHeader, skus: skus, tokens: configuration.customerTokens, profile: configuration.profile)
            made.append(
                try LoadWorker(
                    address: address, limits: configuration.limits, schedule: schedule, factory: factory,
                    recorder: WindowRecorder(windowSeconds: windowSeconds), progress: progress))
        }
        workers.withLock { $0 = made }
        let startedAt = Date()
        let start = NIODeadline.now() + .milliseconds(50)
        self.start.withLock { $0 = start }
        if stopped.withLock({ $0 }) { for worker in made { worker.stop(grace: .zero) } }
        let faults = Task { await self.applyFaults(from: start, log: log) }
        await withTaskGroup(of: Void.self) { tasks in
            for worker in made { tasks.addTask { await worker.run(from: start) } }
        }
        faults.cancel()
        let wallSeconds = Double((NIODeadline.now() - start).nanoseconds) / 1e9

        // Each worker's windows, merged by index: the same bucket-by-bucket addition `merge` uses for shards.
        var windows: [Int: LoadResult.Window] = [:]
        let interrupted = stopped.withLock { $0 }
        for worker in made {
            // The worker's thread has ended: its recorder is no longer touched there.
            let closed = worker.recorder.closed
            for (index, endpoints) in closed {
                var window = windows[index] ?? self.window(index, windowSeconds: windowSeconds)
                for (endpoint, counts) in endpoints {
                    var combined = window.endpoints[endpoint] ?? LoadResult.EndpointCounts()
                    combined.add(counts)
                    window.endpoints[endpoint] = combined
                }
                windows[index] = window
            }
        }
        let sorted = windows.values.sorted { $0.index < $1.index }
        let profile = configuration.profile
        let summary = LoadResult.summarise(sorted, wallSeconds: wallSeconds)
        return LoadResult(
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
                profileStartSeconds: 0, profileEndSeconds: interrupted ? min(configuration.end, wallSeconds * configuration.speed) : configuration.end
            ),
            interrupted: interrupted, windows: sorted, summary: summary,
            thresholds: LoadResult.evaluate(profile.thresholds, windows: sorted, summary: summary))
    }

    private func window(_ index: Int, windowSeconds: Double) -> LoadResult.Window {
        let from = Double(index) * windowSeconds
        let to = min(from + windowSeconds, configuration.end)
        let target = configuration.profile.expectedRequests(from: from, to: to, speed: configuration.speed) / Double(configuration.shard.count)
        return LoadResult.Window(
            index: index, profileStartSeconds: from, wallStartSeconds: from / configuration.speed, targetRequests: target, endpoints: [:])
    }

    /// Sets the switchboard at each step's profile time, on the wall clock of this run.
    private func applyFaults(from start: NIODeadline, log: @Sendable (String) -> Void) async {
        let configuration = configuration
        for step in configuration.profile.faults where step.at <= configuration.end {
            let due = start + .nanoseconds(Int64(step.at / configuration.speed * 1e9))
            let wait = due - NIODeadline.now()
            if wait > .zero { try? await Task.sleep(for: .nanoseconds(wait.nanoseconds)) }
            if Task.isCancelled || stopped.withLock({ $0 }) { return }
            guard let token = configuration.adminToken else {
                log("fault schedule skipped at \(DurationText.text(step.at)): no admin token (give --jwt-secret)")
                continue
            }
            var request = HTTPClientRequest(url: configuration.baseURL + APIRoute.setFaults.path())
            request.method = .PUT
            request.headers.add(name: "Authorization", value: "Bearer " + token)
            request.headers.add(name: "Content-Type", value: "application/json")
            let body = (try? JSONEncoder().encode(FaultsBody(step.faults))) ?? Data("{}".utf8)
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                log("faults at \(DurationText.text(step.at)) (profile time): HTTP \(response.status.code) \(String(decoding: body, as: UTF8.self))")
            } catch {
                log("faults at \(DurationText.text(step.at)) (profile time) not applied: \(error)")
            }
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
