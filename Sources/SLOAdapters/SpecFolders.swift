import Foundation
import SLOSpec
import ShopSupport

/// Spec files, and folders of them (`*.yaml`, `*.yml`), read from disk for `shop-slo` and `shop-load --slo`.
package enum SpecFolders {
    package struct Failure: Error, CustomStringConvertible, Sendable { package let description: String }

    /// The objectives of every file named or held in a folder named, and the notes their reading made.
    package static func load(_ paths: [String]) throws(Failure) -> SLOSpecs.Reading {
        var files: [(path: String, text: String)] = []
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw Failure(description: "\(path): no such file or folder")
            }
            var found = [path]
            if isFolder.boolValue {
                guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                    throw Failure(description: "\(path): the folder cannot be read")
                }
                found = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { path + "/" + $0 }
            }
            for file in found {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw Failure(description: "\(file): cannot be read as UTF-8 text")
                }
                files.append((file, text))
            }
        }
        guard !files.isEmpty else { throw Failure(description: "\(paths.joined(separator: ", ")): no spec files (*.yaml)") }
        do {
            return try SLOSpecs.read(files: files)
        } catch {
            throw Failure(description: error.description)
        }
    }
}
