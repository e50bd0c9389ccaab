import Foundation
import ShopTestSupport
import Yams

/// A node of a Kubernetes manifest as Yams reads it, walked by key and index; a missing step is nil, so
/// a test says which field it wanted.
struct ManifestNode {
    let value: Any?

    subscript(key: String) -> ManifestNode { ManifestNode(value: (value as? [String: Any])?[key]) }
    subscript(index: Int) -> ManifestNode {
        guard let list = value as? [Any], list.indices.contains(index) else { return ManifestNode(value: nil) }
        return ManifestNode(value: list[index])
    }

    var string: String? { value.map { "\($0)" } }
    var int: Int? { value as? Int ?? string.flatMap(Int.init) }
    var list: [ManifestNode] { (value as? [Any] ?? []).map(ManifestNode.init) }
    var strings: [String] { list.compactMap(\.string) }
    /// A map of strings, such as labels.
    var labels: [String: String] { (value as? [String: Any] ?? [:]).mapValues { "\($0)" } }

    /// The first item of a list whose `name` is `name` (containers, ports, env).
    func named(_ name: String) -> ManifestNode { ManifestNode(value: list.first { $0["name"].string == name }?.value) }
}

/// The documents of the YAML files under `deploy/`, by kind and name.
struct Manifests {
    let documents: [ManifestNode]

    /// Every document of the files (relative to the package root).
    init(_ files: [String]) throws {
        var documents: [ManifestNode] = []
        for file in files {
            let text = try String(contentsOfFile: TestTools.packageRoot + "/" + file, encoding: .utf8)
            for document in try Yams.load_all(yaml: text) { documents.append(ManifestNode(value: document)) }
        }
        self.documents = documents
    }

    func one(_ kind: String, _ name: String) throws -> ManifestNode {
        guard let document = documents.first(where: { $0["kind"].string == kind && $0["metadata"]["name"].string == name }) else {
            throw TestSupportError("no \(kind) named \(name) in the manifests")
        }
        return document
    }

    /// A container's environment as a Deployment sets it: plain values, and the sources of the others
    /// (`secret:NAME/KEY`, `resource:limits.cpu`).
    static func environment(_ container: ManifestNode) -> [String: String] {
        var environment: [String: String] = [:]
        for variable in container["env"].list {
            guard let name = variable["name"].string else { continue }
            if let value = variable["value"].string {
                environment[name] = value
            } else if let secret = variable["valueFrom"]["secretKeyRef"]["name"].string {
                environment[name] = "secret:\(secret)/\(variable["valueFrom"]["secretKeyRef"]["key"].string ?? "")"
            } else if let resource = variable["valueFrom"]["resourceFieldRef"]["resource"].string {
                environment[name] = "resource:" + resource
            }
        }
        return environment
    }

    /// The number a container's port name stands for, or the number itself.
    static func port(_ reference: ManifestNode, in container: ManifestNode) -> Int? {
        reference.int ?? reference.string.flatMap { container["ports"].named($0)["containerPort"].int }
    }
}
