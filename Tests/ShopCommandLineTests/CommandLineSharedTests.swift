import ArgumentParser
import Foundation
import ShopCommandLine
import Testing

/// What the three programs share: how a failure ends a command, and `--target`.
@Suite struct CommandLineSharedTests {
    struct Broken: Error, CustomStringConvertible {
        var description: String { "the disk is full\nand a second line" }
    }

    @Test func aFailureEndsAsItsExitStatus() async {
        await #expect(throws: ExitCode(3)) {
            try await OneLineFailures.run("test") { throw CommandFailure("no such profile", status: 3) }
        }
        await #expect(throws: ExitCode.failure) {
            try await OneLineFailures.run("test") { throw Broken() }
        }
        // ArgumentParser's own exits (a threshold that failed, --help) pass through as they are.
        await #expect(throws: ExitCode(2)) {
            try await OneLineFailures.run("test") { throw ExitCode(2) }
        }
        await #expect(throws: Never.self) {
            try await OneLineFailures.run("test") {}
        }
    }

    @Test(arguments: [
        ("http://127.0.0.1:8080", true), ("http://shop.internal", true), ("https://shop.example", false), ("ftp://x", false),
        ("127.0.0.1:8080", false), ("", false), ("http://", false),
    ])
    func aTargetIsAPlainHTTPURLWithAHost(target: String, accepted: Bool) throws {
        let option = try TargetOption.parse(["--target", target])
        if accepted {
            #expect(try option.url().absoluteString == target)
        } else {
            #expect(throws: CommandFailure.self) { try option.url() }
        }
    }

    @Test func theDefaultTargetIsTheLocalAPI() throws {
        #expect(try TargetOption.parse([]).url().absoluteString == "http://127.0.0.1:8080")
    }
}
