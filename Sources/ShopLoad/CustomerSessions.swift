import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ShopContract
import Synchronization

/// `--sign-in`: the simulated customers as real accounts, signed in through the API as a client app would
/// (`POST /v1/auth/token`, registering first the ones that have no account yet), so a rehearsal needs no
/// server secret. Their 15-minute access tokens are refreshed through `POST /v1/auth/refresh` while the run
/// lasts; the workers pick the new ones up between requests (one atomic load each).
package final class CustomerSessions: Sendable {
    package let emails: [String]
    /// Each customer's `POST /v1/auth/token` body, made once for the `sign-in` endpoint's requests.
    let signInBodies: [String]
    private let pairs: Mutex<(access: [String], refresh: [String])>
    private let version = Atomic<Int>(0)

    /// The simulated customer `index`'s email (`.test` is reserved: no such address can receive mail).
    package static func email(_ index: Int) -> String { String(format: "load-customer-%05d@shop-load.test", index) }

    /// Refreshed this often: well inside the access tokens' 15 minutes.
    package static let refreshInterval = Duration.seconds(600)

    private init(password: String, emails: [String], access: [String], refresh: [String]) {
        self.emails = emails
        let encoder = JSONEncoder()
        signInBodies = emails.map { email in
            String(decoding: (try? encoder.encode(CredentialsBody(email: email, password: password))) ?? Data(), as: UTF8.self)
        }
        pairs = Mutex((access, refresh))
    }

    /// Every customer signed in, `concurrency` at a time (each sign-in is a bcrypt on the server).
    package static func signIn(baseURL: String, users: Int, password: String, concurrency: Int = 4) async throws -> CustomerSessions {
        let emails = (0..<users).map(email)
        var access = Array(repeating: "", count: users)
        var refresh = Array(repeating: "", count: users)
        try await withThrowingTaskGroup(of: (Int, TokenPairBody).self) { group in
            var next = 0
            func start() {
                guard next < users else { return }
                let index = next
                next += 1
                group.addTask { (index, try await signInOrRegister(baseURL: baseURL, email: emails[index], password: password)) }
            }
            for _ in 0..<concurrency { start() }
            while let (index, pair) = try await group.next() {
                access[index] = pair.accessToken
                refresh[index] = pair.refreshToken
                start()
            }
        }
        return CustomerSessions(password: password, emails: emails, access: access, refresh: refresh)
    }

    /// The access tokens and their version, which changes with each refresh.
    package var current: (version: Int, tokens: [String]) {
        pairs.withLock { (version.load(ordering: .acquiring), $0.access) }
    }

    package var currentVersion: Int { version.load(ordering: .relaxed) }

    /// Refreshes every customer's pair each `refreshInterval` until cancelled; a customer whose refresh
    /// fails keeps its token (and the run shows its 401s).
    package func keepFresh(baseURL: String, log: @Sendable (String) -> Void) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: Self.refreshInterval) } catch { return }
            var failed = 0
            for index in emails.indices {
                let presented = pairs.withLock { $0.refresh[index] }
                guard let pair = try? await Self.post(baseURL + APIRoute.refreshSession.path(), RefreshTokenBody(refreshToken: presented)).pair
                else {
                    failed += 1
                    continue
                }
                pairs.withLock {
                    $0.access[index] = pair.accessToken
                    $0.refresh[index] = pair.refreshToken
                }
            }
            version.add(1, ordering: .releasing)
            if failed > 0 { log("\(failed) of \(emails.count) customers' tokens could not be refreshed") }
        }
    }

    private static func signInOrRegister(baseURL: String, email: String, password: String) async throws -> TokenPairBody {
        let credentials = CredentialsBody(email: email, password: password)
        let first = try await post(baseURL + APIRoute.signIn.path(), credentials)
        if let pair = first.pair { return pair }
        guard first.status == 401 else { throw LoadRunError("signing \(email) in: HTTP \(first.status) \(first.detail)") }
        let made = try await post(baseURL + APIRoute.register.path(), credentials)
        guard made.status == 201 || made.status == 409 else { throw LoadRunError("registering \(email): HTTP \(made.status) \(made.detail)") }
        let second = try await post(baseURL + APIRoute.signIn.path(), credentials)
        if let pair = second.pair { return pair }
        throw LoadRunError(
            second.status == 401
                ? "\(email) has an account with another password: give the one it was made with (--customer-password)"
                : "signing \(email) in: HTTP \(second.status) \(second.detail)")
    }

    /// A JSON POST's answer; a 429 is waited out (its `Retry-After`) and sent again, up to five times.
    static func post(_ url: String, _ body: some Encodable) async throws -> (status: Int, pair: TokenPairBody?, detail: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: SyntheticTraffic.baggageHeader, value: SyntheticTraffic.member)
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
        for _ in 0..<5 {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            if response.status == .tooManyRequests {
                let wait = response.headers.first(name: "Retry-After").flatMap(Int.init) ?? 1
                try await Task.sleep(for: .seconds(min(max(wait, 1), 60)))
                continue
            }
            let data = Data(bytes.readableBytesView)
            let pair = response.status == .ok ? try? JSONDecoder().decode(TokenPairBody.self, from: data) : nil
            let detail = (try? JSONDecoder().decode(ProblemDetails.self, from: data))?.detail ?? ""
            return (Int(response.status.code), pair, detail)
        }
        throw LoadRunError("\(url) kept answering 429 (rate limited): start shop-api with --rate-limits off for a load test from one address")
    }
}

extension CustomerSessions {
    /// An admin's access token, signed in through the API, for the fault schedule. It is not refreshed:
    /// a schedule longer than 15 minutes of wall time needs `--jwt-secret` instead.
    package static func signInAdmin(baseURL: String, email: String, password: String) async throws -> String {
        let answer = try await post(baseURL + APIRoute.signIn.path(), CredentialsBody(email: email, password: password))
        guard let pair = answer.pair else { throw LoadRunError("signing the admin in: HTTP \(answer.status) \(answer.detail)") }
        return pair.accessToken
    }
}
