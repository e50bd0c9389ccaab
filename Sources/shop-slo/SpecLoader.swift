import SLOAdapters
import SLOSpec
import ShopCommandLine

/// Reads spec files and folders of them from disk, saying the readings' notes.
enum SpecLoader {
    static func load(_ paths: [String]) throws -> [ServiceLevelObjective] {
        let reading = try SpecFolders.load(paths)
        for text in reading.notes { note("shop-slo", text) }
        return reading.objectives
    }
}
