import Foundation
import HTTPTypes
import NIOCore
import ShopContract
import ShopDomain
import Testing
import Yams

@testable import ShopAPI

/// The shipped OpenAPI document and the router must describe the same API.
@Suite("OpenAPI contract")
struct OpenAPIContractTests {
    struct Operation: Hashable, CustomStringConvertible {
        let method: String
        let path: String
        var description: String { "\(method) \(path)" }
    }

    /// The document as the server loads and serves it.
    static func document() throws -> [String: Any] {
        let text = String(buffer: try HealthController.loadOpenAPIDocument())
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    static func specOperations() throws -> [Operation: [String: Any]] {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        var operations: [Operation: [String: Any]] = [:]
        for (path, item) in paths {
            for (method, operation) in item {
                guard let operation = operation as? [String: Any] else { continue }
                operations[Operation(method: method.uppercased(), path: path)] = operation
            }
        }
        return operations
    }

    @Test func everyRouteIsInTheSpecAndEveryOperationIsRouted() throws {
        let specified = Set(try Self.specOperations().keys)
        // The router answers HEAD on every GET route (from the GET's handler), and the spec says so.
        let routed = Set(
            APIRoute.allCases.flatMap { route in
                APIRoute.methods(servingPath: route.template, among: [route]).map { Operation(method: $0.rawValue, path: route.template) }
            })
        #expect(routed.subtracting(specified).isEmpty, "routed but not in openapi.yaml: \(routed.subtracting(specified))")
        #expect(specified.subtracting(routed).isEmpty, "in openapi.yaml but not routed: \(specified.subtracting(routed))")
    }

    @Test func theSpecStatesEachRoutesRolesAndSecurity() throws {
        let operations = try Self.specOperations()
        for route in APIRoute.allCases {
            let operation = try #require(operations[Operation(method: route.method.rawValue, path: route.template)])
            #expect(operation["operationId"] as? String == route.rawValue)
            switch route.access {
            case .anonymous:
                #expect((operation["security"] as? [Any])?.isEmpty == true, "\(route) should declare security: []")
                #expect(operation["x-roles"] == nil)
            case .roles(let roles):
                #expect(operation["security"] == nil, "\(route) should inherit bearer security")
                #expect(Set((operation["x-roles"] as? [String]) ?? []) == Set(roles.map(\.rawValue)), "\(route) x-roles")
                let responses = try #require(operation["responses"] as? [String: Any])
                #expect(responses["401"] != nil && responses["403"] != nil, "\(route) must document 401 and 403")
            }
            let responses = try #require(operation["responses"] as? [String: Any])
            #expect((responses["429"] != nil) == route.isRateLimited, "\(route) documents 429 exactly when it is rate limited")
        }
    }

    @Test func headMirrorsEachGetsAccess() throws {
        let operations = try Self.specOperations()
        for route in APIRoute.allCases where route.method == .get {
            let get = try #require(operations[Operation(method: "GET", path: route.template)])
            let head = try #require(operations[Operation(method: "HEAD", path: route.template)], "\(route) has no HEAD in the spec")
            #expect(head["operationId"] as? String == route.rawValue + "Head")
            #expect((head["security"] as? [Any])?.isEmpty == (get["security"] as? [Any])?.isEmpty)
            #expect(head["x-roles"] as? [String] == get["x-roles"] as? [String])
        }
    }

    @Test func theDocumentIsOpenAPI31() throws {
        #expect(try Self.document()["openapi"] as? String == "3.1.0")
    }
}
