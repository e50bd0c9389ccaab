import Foundation
import HTTPTypes
import HummingbirdTesting
import ShopAPI
import ShopAPITestSupport
import ShopTestSupport
import Testing

/// `shop-api user create`, the real executable: staff accounts are made on the server and sign in
/// through the API like anyone else.
@Suite struct UserCommandTests {
    static let executable = TestTools.packageRoot + "/.build/debug/shop-api"

    /// The store flags of `kind` for a fresh store, and the configuration an in-process app needs for the same one.
    static func withStore(_ kind: StoreKind, _ body: @Sendable ([String], AppConfiguration) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            var configuration = TestApp.configuration(dataDirectory: directory)
            configuration.accounts.bcryptCost = 4
            if kind == .postgres {
                try await TestPostgres.withFreshDatabase { url in
                    configuration.databaseURL = url
                    try await body(["--database-url", url, "--bcrypt-cost", "4"], configuration)
                }
            } else {
                try await body(["--data-dir", directory, "--bcrypt-cost", "4"], configuration)
            }
        }
    }

    @Test(arguments: StoreKind.tested)
    func anAdminMadeOnTheServerSignsInAsAnAdmin(_ kind: StoreKind) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build shop-api first (swift build)")
        try await Self.withStore(kind) { store, configuration in
            let create = ["user", "create", "--email", "Ops@Shop.example", "--role", "admin"] + store
            let (status, output) = try await TestTools.run(Self.executable, create, input: "a long admin passphrase\n")
            #expect(status == 0, "\(output)")
            #expect(output.hasPrefix("created admin account "), "\(output)")
            #expect(!output.contains("passphrase") && !output.lowercased().contains("ops@"))

            let (again, twice) = try await TestTools.run(Self.executable, create, input: "another long passphrase\n")
            #expect(again == 1 && twice == "shop-api: an account with this email exists already\n", "\(twice)")

            let signIn = #"{"email":"ops@shop.example","password":"a long admin passphrase"}"#
            try await buildApplication(configuration).test(.router) { client in
                let answer = try await client.send(.post, "/v1/auth/token", json: signIn)
                #expect(answer.status == .ok)
                let token = try #require(try JSONBody(answer.body)["access_token"]?.string)
                #expect(try await client.send(.get, "/v1/admin/faults", token: token).status == .ok, "the token carries the admin role")
            }

            // Disabled, it cannot sign in; enabled again, it can.
            let (disabled, said) = try await TestTools.run(Self.executable, ["user", "disable", "--email", "OPS@shop.example"] + store)
            #expect(disabled == 0 && said.hasPrefix("disabled admin account "), "\(said)")
            try await buildApplication(configuration).test(.router) { client in
                let answer = try await client.send(.post, "/v1/auth/token", json: signIn)
                #expect(answer.status == .unauthorized, "the same answer as a wrong password")
            }
            let (enabled, _) = try await TestTools.run(Self.executable, ["user", "enable", "--email", "ops@shop.example"] + store)
            #expect(enabled == 0)
            try await buildApplication(configuration).test(.router) { client in
                let answer = try await client.send(.post, "/v1/auth/token", json: signIn)
                #expect(answer.status == .ok)
            }
            let (missing, none) = try await TestTools.run(Self.executable, ["user", "disable", "--email", "nobody@shop.example"] + store)
            #expect(missing == 1 && none == "shop-api: no account has this email\n", "\(none)")
        }
    }

    @Test(arguments: [
        (["--role", "admin"], "", "shop-api: no password on standard input"),
        (["--role", "admin"], "password1234\n", "shop-api: password is one of the most common passwords; choose another"),
        (["--role", "admin"], "k7#Qz-wP\n", "shop-api: password must be at least 12 characters"),
        (["--role", "customer"], "a long admin passphrase\n", "Error: --role must be warehouse or admin"),
    ])
    func badInputIsOneLine(flags: [String], input: String, expected: String) async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.executable), "build shop-api first (swift build)")
        try await withTemporaryDirectory { directory in
            let (status, output) = try await TestTools.run(
                Self.executable, ["user", "create", "--email", "ops@shop.example", "--data-dir", directory] + flags, input: input)
            #expect(status != 0)
            #expect(output.hasPrefix(expected), "\(output)")
        }
    }
}
