import Foundation
import ShopAuth
import Testing

/// The one order in which shop-api, `shop-api token` and shop-load find the secret.
@Suite struct JWTSecretTests {
    private func withDataDirectory(_ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jwt-secret-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory + "/data")
    }

    @Test func theEmbeddedModeGeneratesASecretOnceAndKeepsItPrivate() throws {
        try withDataDirectory { data in
            let first = try #require(try JWTSecret.resolve(flag: nil, dataDirectory: data, environment: [:], fallback: .createInDataDirectory))
            let second = try #require(try JWTSecret.resolve(flag: nil, dataDirectory: data, environment: [:], fallback: .createInDataDirectory))
            #expect(first.created && !second.created)
            #expect(first.secret == second.secret && first.secret.utf8.count == 64)
            let attributes = try FileManager.default.attributesOfItem(atPath: data + "/jwt-secret")
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        }
    }

    @Test func theFlagComesBeforeTheEnvironmentWhichComesBeforeTheFile() throws {
        try withDataDirectory { data in
            let made = try #require(try JWTSecret.resolve(flag: nil, dataDirectory: data, environment: [:], fallback: .createInDataDirectory))
            let environment = ["SHOP_JWT_SECRET": "from-the-environment-0123456789abcdef"]
            #expect(
                try JWTSecret.resolve(flag: "from-the-flag", dataDirectory: data, environment: environment, fallback: .createInDataDirectory)?.secret
                    == "from-the-flag")
            #expect(
                try JWTSecret.resolve(flag: nil, dataDirectory: data, environment: environment, fallback: .createInDataDirectory)?.secret
                    == environment["SHOP_JWT_SECRET"])
            #expect(try JWTSecret.resolve(flag: nil, dataDirectory: data, environment: [:], fallback: .readFromDataDirectory)?.secret == made.secret)
            // SHOP_DATA_DIR stands in for the flag's directory.
            #expect(
                try JWTSecret.resolve(flag: nil, dataDirectory: nil, environment: ["SHOP_DATA_DIR": data], fallback: .readFromDataDirectory)?.secret
                    == made.secret)
        }
    }

    @Test func anEmptyFlagIsTheSecretGivenNotAReasonToLookElsewhere() throws {
        try withDataDirectory { data in
            _ = try JWTSecret.resolve(flag: nil, dataDirectory: data, environment: [:], fallback: .createInDataDirectory)
            #expect(try JWTSecret.resolve(flag: "", dataDirectory: data, environment: [:], fallback: .createInDataDirectory)?.secret == "")
        }
    }

    @Test func aClientNeverCreatesTheFileAndAServerOnPostgreSQLNeverReadsIt() throws {
        try withDataDirectory { data in
            #expect(try JWTSecret.resolve(flag: nil, dataDirectory: data, environment: [:], fallback: .readFromDataDirectory) == nil)
            #expect(!FileManager.default.fileExists(atPath: data + "/jwt-secret"))
            _ = try JWTSecret.resolve(flag: nil, dataDirectory: data, environment: [:], fallback: .createInDataDirectory)
            #expect(try JWTSecret.resolve(flag: nil, dataDirectory: data, environment: [:], fallback: .none) == nil)
        }
    }

    @Test func anUnwritableDataDirectoryIsAnErrorNamingIt() throws {
        #expect(throws: JWTSecretError.self) {
            try JWTSecret.resolve(flag: nil, dataDirectory: "/proc/no-such-place", environment: [:], fallback: .createInDataDirectory)
        }
    }
}
