import Foundation
import SLOSpec
import ShopCommandLine
import ShopSupport

/// Reads spec files and folders of them from disk.
enum SpecLoader {
    static func load(_ paths: [String]) throws -> [ServiceLevelObjective] {
        var files: [(path: String, text: String)] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw CommandFailure("\(path): no such file or folder")
            }
            let found =
                isFolder.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map {
                    path + "/" + $0
                }
                : [path]
            for file in found {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw CommandFailure("\(file): cannot be read as UTF-8 text")
                }
                files.append((file, text))
            }
        }
        guard !files.isEmpty else { throw CommandFailure("\(paths.joined(separator: ", ")): no spec files (*.yaml)") }
        do {
            let reading = try SLOSpecs.read(files: files)
            for text in reading.notes { note("shop-slo", text) }
            return reading.objectives
        } catch {
            throw CommandFailure(error.description)
        }
    }
}
