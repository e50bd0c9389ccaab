import ArgumentParser
import Foundation

/// A command's failure as its user reads it: one line, and the exit status it ends with (1 unless said).
package struct CommandFailure: Error, CustomStringConvertible, Sendable {
    package var description: String
    package var status: Int32

    package init(_ description: String, status: Int32 = 1) {
        self.description = description
        self.status = status
    }
}

/// Runs every command's body of one program, so that whatever it throws ends as one line on standard
/// error, `program: what went wrong`, and a non-zero exit status: the same for shop-api, shop-load and
/// shop-slo. ArgumentParser's own exits pass through untouched.
package enum OneLineFailures {
    package static func run(_ program: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch let exit as CleanExit {
            throw exit
        } catch let failure as CommandFailure {
            printLine(program, failure.description)
            throw ExitCode(failure.status)
        } catch {
            printLine(program, String(describing: error))
            throw ExitCode.failure
        }
    }

    /// A message that spans lines (a library error quoting a server's answer) is still one line.
    static func printLine(_ program: String, _ message: String) {
        let line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("\(program): \(line)\n".utf8))
    }
}

/// A line on standard output at once, not when a buffer fills: progress shows as it happens in a pipe or
/// a file too.
package func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// A note on standard error that does not stop the command (`program: note: …`).
package func note(_ program: String, _ text: String) {
    FileHandle.standardError.write(Data("\(program): note: \(text)\n".utf8))
}
