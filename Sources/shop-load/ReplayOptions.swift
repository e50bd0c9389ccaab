import ArgumentParser
import Foundation
import LoadProfile
import NIOCore
import SLOAdapters
import SLOSpec
import ShopAuth
import ShopCommandLine
import ShopLoad
import ShopSupport

/// What `run` and `capacity` both take: the profile, the target, how to sign in, and the engine's limits.
struct ReplayOptions: ParsableArguments {
    @Argument(help: "A profile file, or the name of one in loadtests/ (smoke, daily, flash-sale…).")
    var profile: String

    @OptionGroup var target: TargetOption

    @Option(help: "Replay only up to this profile time (e.g. 2h): a part of a long profile.")
    var until: String?

    @Option(help: "Seed of the schedule and the choices (default: random, printed).")
    var seed: UInt64?

    @Option(help: "Threads sending requests, each with its own socket loop and connections.")
    var workers = 1

    @Option(help: "Keep-alive connections per worker.")
    var connections = 64

    @Option(name: .customLong("max-in-flight"), help: "Requests admitted per worker before arrivals are dropped.")
    var maxInFlight = 10_000

    @Option(name: .customLong("late-tolerance"), help: "A request sent later than this after its intended start counts as late.")
    var lateTolerance = "10ms"

    @Option(
        name: .customLong("send-ahead"),
        help:
            "Arrivals due within this much of a timer's wake-up are sent with it, early by at most this much (measured from their actual send); more saves CPU at high rates."
    )
    var sendAhead = "2ms"

    @Option(
        name: .customLong("collect-interval"),
        help:
            "While no request waits for a connection, answers are read at most this often, several per wake-up (latency is still from the kernel's receive time); 0 reads each as it comes."
    )
    var collectInterval = "5ms"

    /// To mint customer and admin tokens.
    @OptionGroup var secret: SecretOptions

    @Option(name: .customLong("token-file"), help: "Customer tokens, one per line (from shop-api token), instead of minting them.")
    var tokenFile: String?

    @Flag(
        name: .customLong("sign-in"),
        help:
            "Sign the customers in through the API (load-customer-NNNNN@shop-load.test, registered the first time), refreshing their tokens as the run goes: no server secret needed."
    )
    var signIn = false

    @Option(
        name: .customLong("customer-password"),
        help: "With --sign-in, the customers' password (env SHOP_LOAD_CUSTOMER_PASSWORD; set your own against a shared service).")
    var customerPassword: String?

    @Option(
        name: .customLong("admin-email"),
        help: "With --sign-in, an admin account (shop-api user create) for the fault schedule; its password from SHOP_LOAD_ADMIN_PASSWORD.")
    var adminEmail: String?

    @Option(
        name: .customLong("trace-sample"),
        help: "Share of requests whose traceparent asks for the trace to be recorded (0 to 1); every request carries a trace id.")
    var traceSample = 0.01

    @Option(
        name: .customLong("trace-url"),
        help:
            "Where your tracing UI shows a trace, {trace_id} for its id (e.g. http://jaeger:16686/trace/{trace_id}): the report links the slowest requests there."
    )
    var traceURL: String?

    /// The profile as read, its file, and the profile time to stop at.
    func readProfile() throws -> (file: String, profile: Profile, end: Double) {
        let (file, text) = try ProfileFiles.read(profile)
        let profile = try Profile(yaml: text, file: file)
        var end = profile.duration
        if let until {
            guard let seconds = DurationText.seconds(until), seconds > 0 else { throw LoadRunError("--until \(until) is not a duration (2h, 30m)") }
            end = min(seconds, profile.duration)
        }
        return (file, profile, end)
    }

    /// The engine's flags, checked, before anything is sent or signed.
    func check() throws {
        _ = try target.url()
        guard workers >= 1, connections >= 1, maxInFlight >= 1 else {
            throw LoadRunError("--workers, --connections and --max-in-flight must be at least 1")
        }
        _ = try limits()
        guard (0...1).contains(traceSample) else { throw LoadRunError("--trace-sample must be a share between 0 and 1") }
        if !signIn, customerPassword != nil || adminEmail != nil { throw LoadRunError("--customer-password and --admin-email go with --sign-in") }
        if signIn, tokenFile != nil { throw LoadRunError("--sign-in and --token-file are two ways to sign in: give one") }
        try Self.checkTraceURL(traceURL)
    }

    /// A trace URL template must say where the id goes.
    static func checkTraceURL(_ template: String?) throws {
        if let template, !template.contains("{trace_id}") { throw LoadRunError("--trace-url must hold {trace_id} where the trace's id goes") }
    }

    /// A replay of `profile` up to `end` at `speed`, signed in for `wallSeconds` (and an hour more).
    func configuration(_ profile: Profile, file: String, end: Double, speed: Double, wallSeconds: Double) async throws -> LoadRunConfiguration {
        var sessions: CustomerSessions?
        let customers: [String]
        let admin: String?
        if signIn {
            let environment = ProcessInfo.processInfo.environment
            let password = customerPassword ?? environment["SHOP_LOAD_CUSTOMER_PASSWORD"] ?? Self.defaultCustomerPassword
            var baseURL = try target.url().absoluteString
            if baseURL.hasSuffix("/") { baseURL.removeLast() }
            let signedIn = try await CustomerSessions.signIn(baseURL: baseURL, users: profile.users, password: password)
            sessions = signedIn
            customers = signedIn.current.tokens
            if let adminEmail {
                guard let password = environment["SHOP_LOAD_ADMIN_PASSWORD"], !password.isEmpty else {
                    throw LoadRunError("--admin-email needs the admin's password in SHOP_LOAD_ADMIN_PASSWORD")
                }
                admin = try await CustomerSessions.signInAdmin(baseURL: baseURL, email: adminEmail, password: password)
            } else {
                admin = nil
            }
        } else {
            (customers, admin) = try await tokens(users: profile.users, lifetime: wallSeconds + 3_600)
        }
        var configuration = LoadRunConfiguration(
            target: try target.url(), profile: profile, profileFile: file, speed: speed, end: end,
            seed: seed ?? UInt64.random(in: 1...UInt64(UInt32.max)), customerTokens: customers, adminToken: admin)
        configuration.sessions = sessions
        configuration.workers = workers
        configuration.limits = try limits()
        configuration.traceSample = traceSample
        configuration.traceURL = traceURL
        return configuration
    }

    private func limits() throws -> EngineLimits {
        guard let tolerance = DurationText.seconds(lateTolerance) else { throw LoadRunError("--late-tolerance \(lateTolerance) is not a duration") }
        var limits = EngineLimits()
        limits.connections = connections
        limits.maxInFlight = maxInFlight
        limits.lateTolerance = .nanoseconds(Int64(tolerance * 1e9))
        limits.sendAhead = .nanoseconds(Int64(try Self.engineDelay(sendAhead, flag: "--send-ahead") * 1e9))
        limits.collectInterval = .nanoseconds(Int64(try Self.engineDelay(collectInterval, flag: "--collect-interval") * 1e9))
        return limits
    }

    /// An engine delay flag's value in seconds: a duration of at most 100 ms.
    private static func engineDelay(_ text: String, flag: String) throws(LoadRunError) -> Double {
        guard let seconds = DurationText.seconds(text), (0...0.1).contains(seconds) else {
            throw LoadRunError("\(flag) \(text) must be a duration of at most 100ms")
        }
        return seconds
    }

    /// The customers' password unless told otherwise: long enough and not a common one, so the API's policy
    /// takes it. Anyone who reads this can sign in as a load customer, so a shared service wants its own.
    static let defaultCustomerPassword = "shop-load rehearsal customer"

    /// Tokens for the simulated customers, and an admin one for the fault schedule.
    private func tokens(users: Int, lifetime: Double) async throws -> (customers: [String], admin: String?) {
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw LoadRunError("cannot read --token-file \(tokenFile)")
            }
            let tokens = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !tokens.isEmpty else { throw LoadRunError("--token-file \(tokenFile) holds no token") }
            return (tokens, nil)
        }
        guard let secret = try self.secret.resolve(environment: ProcessInfo.processInfo.environment, fallback: .readFromDataDirectory) else {
            throw LoadRunError("no way to sign in: give --jwt-secret (or SHOP_JWT_SECRET), --data-dir of the embedded API, or --token-file")
        }
        let keys: AccessTokenKeys
        do {
            keys = try await AccessTokenKeys(secret: secret)
        } catch {
            throw LoadRunError(error.description)
        }
        return try await keys.loadTestTokens(users: users, lifetime: lifetime)
    }
}

extension ReplayOptions {
    /// The SLOs of `--slo` files and folders, their readings' notes said, and those a run's counts cannot measure named.
    static func slos(_ paths: [String], for flag: String) throws -> [ServiceLevelObjective] {
        let reading = try SpecFolders.load(paths)
        for text in reading.notes { note("shop-load", text) }
        for name in BurnRateCheck.unmeasured(reading.objectives) {
            note("shop-load", "\(flag): SLO \(name) is a PromQL ratio, which the run's own counts do not measure; not checked")
        }
        return reading.objectives
    }
}
