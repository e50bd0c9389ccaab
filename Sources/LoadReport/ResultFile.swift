import Foundation

/// Reading and writing result files, with one-line errors.
package enum ResultFile {
    package struct Failure: Error, CustomStringConvertible { package let description: String }

    package static func read(_ path: String) throws(Failure) -> LoadResult {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "\(path): cannot read the file") }
        do {
            var result = try LoadResult.decoder.decode(LoadResult.self, from: data)
            guard LoadResult.readableSchemas.contains(result.schema) else {
                throw Failure(
                    description: "\(path): schema \(result.schema), expected one of \(LoadResult.readableSchemas.sorted().joined(separator: ", "))")
            }
            // Read, an older result is this version's without what it lacks; written again, it says so.
            result.schema = LoadResult.schemaVersion
            return result
        } catch let error as Failure {
            throw error
        } catch {
            throw Failure(description: "\(path): not a shop-load result (\(String(describing: error).prefix(160)))")
        }
    }

    package static func reportPath(for resultPath: String) -> String {
        stem(of: resultPath) + ".html"
    }

    /// A result's path without `.json`: what the files written beside it are named after.
    package static func stem(of resultPath: String) -> String {
        resultPath.hasSuffix(".json") ? String(resultPath.dropLast(5)) : resultPath
    }

    package static func write(_ result: LoadResult, to path: String, report: String?) throws {
        try LoadResult.encoder.encode(result).write(to: URL(fileURLWithPath: path))
        let reportPath = report ?? reportPath(for: path)
        try HTMLReport(result).render().write(toFile: reportPath, atomically: true, encoding: .utf8)
        print("result: \(path)\nreport: \(reportPath)")
    }
}
