import ArgumentParser
import Foundation
import Logging
import ShopAPI
import ShopCommandLine
import ShopDomain

#if canImport(Glibc)
import Glibc
#endif

struct User: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage accounts on the server's own store.", subcommands: [Create.self, Disable.self, Enable.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a staff account (warehouse or admin), which the API's registration cannot.",
            discussion: """
                The password is read from standard input (one line; asked for without echo at a terminal), so it is \
                never in the shell's history or the process list. The store is the one `serve` would use with the same \
                flags and environment (DATABASE_URL, or the SQLite file in --data-dir).
                """)

        @Option(help: "The account's email address.") var email: String
        @Option(help: "warehouse or admin.") var role: String
        @OptionGroup var store: ServeOptions

        func run() async throws {
            guard let role = Role(rawValue: role), role != .customer else {
                throw ValidationError("--role must be warehouse or admin (customers register through POST /v1/auth/register)")
            }
            try await OneLineFailures.run("shop-api") {
                var configuration = try store.configuration(environment: ProcessInfo.processInfo.environment)
                configuration.logLevel = .warning
                var logger = Logger(label: "shop-api")
                logger.logLevel = .warning
                guard let password = Self.readPassword(), !password.isEmpty else { throw CommandFailure("no password on standard input") }
                do {
                    let account = try await AccountAdministration.create(configuration, email: email, password: password, role: role, logger: logger)
                    print("created \(account.role.rawValue) account \(account.id)")
                } catch ShopError.validation(let issues) {
                    throw CommandFailure(issues.sentence)
                } catch ShopError.alreadyExists {
                    throw CommandFailure("an account with this email exists already")
                }
            }
        }

        /// One line of standard input; at a terminal, asked for without echoing it.
        static func readPassword() -> String? {
            if isatty(STDIN_FILENO) == 1, let typed = getpass("password: ") { return String(cString: typed) }
            return readLine(strippingNewline: true)
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable an account: it can no longer sign in or refresh, and its refresh tokens are revoked now.")
        @Option(help: "The account's email address.") var email: String
        @OptionGroup var store: ServeOptions
        func run() async throws { try await User.setDisabled(email: email, true, store: store) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account again.")
        @Option(help: "The account's email address.") var email: String
        @OptionGroup var store: ServeOptions
        func run() async throws { try await User.setDisabled(email: email, false, store: store) }
    }

    static func setDisabled(email: String, _ disabled: Bool, store: ServeOptions) async throws {
        try await OneLineFailures.run("shop-api") {
            let configuration = try store.configuration(environment: ProcessInfo.processInfo.environment)
            var logger = Logger(label: "shop-api")
            logger.logLevel = .warning
            let account: Account?
            do {
                account = try await AccountAdministration.setDisabled(configuration, email: email, disabled: disabled, logger: logger)
            } catch ShopError.validation(let issues) {
                throw CommandFailure(issues.sentence)
            }
            guard let account else { throw CommandFailure("no account has this email") }
            print("\(disabled ? "disabled" : "enabled") \(account.role.rawValue) account \(account.id)")
        }
    }
}
