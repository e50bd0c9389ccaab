import ArgumentParser
import Foundation
import SLOSpec

/// A one-line failure of a command: printed as is, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command's body so that any failure is one line on standard error and exit status 1.
enum Failing {
    static func oneLine(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CommandFailure {
            FileHandle.standardError.write(Data("shop-slo: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }
}

/// Reads spec files and folders of them from disk.
enum SpecLoader {
    static func load(_ paths: [String]) throws -> [ServiceLevelObjective] {
        var files: [(path: String, text: String)] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw CommandFailure("\(path): no such file or folder") }
            let found = isFolder.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { path + "/" + $0 }
                : [path]
            for file in found {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CommandFailure("\(file): cannot be read as UTF-8 text") }
                files.append((file, text))
            }
        }
        guard !files.isEmpty else { throw CommandFailure("\(paths.joined(separator: ", ")): no spec files (*.yaml)") }
        do {
            let reading = try SLOSpecs.read(files: files)
            for note in reading.notes { FileHandle.standardError.write(Data("shop-slo: note: \(note)\n".utf8)) }
            return reading.objectives
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
