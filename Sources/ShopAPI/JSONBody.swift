import Foundation
import Hummingbird
import ShopDomain

extension Request {
    /// Decodes a JSON body with the API's error rules: 415 without a JSON content type, 413 past the body
    /// limit, 400 for JSON that does not parse, 422 naming the field for JSON of the wrong shape.
    func decodeJSON<Body: Decodable>(_ type: Body.Type, context: ShopRequestContext) async throws -> Body {
        let mediaType = headers[.contentType].flatMap { MediaType(from: $0) }
        guard let mediaType, mediaType.isType(.applicationJson) else {
            throw HTTPProblem.unsupportedMediaType("send the body as application/json")
        }
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        do {
            return try JSONDecoder().decode(Body.self, from: buffer)
        } catch let error as DecodingError {
            throw Self.problem(for: error)
        }
    }

    static func problem(for error: DecodingError) -> any Error {
        func path(_ codingPath: [any CodingKey]) -> String {
            var out = ""
            for key in codingPath {
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    out += (out.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return out.isEmpty ? "body" : out
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return HTTPProblem.malformedJSON("the body is not valid JSON")
        case .dataCorrupted(let context):
            return ShopError.validation([FieldIssue(field: path(context.codingPath), message: context.debugDescription)])
        case .keyNotFound(let key, let context):
            return ShopError.validation([FieldIssue(field: path(context.codingPath + [key]), message: "is required")])
        case .valueNotFound(_, let context):
            return ShopError.validation([FieldIssue(field: path(context.codingPath), message: "must not be null")])
        case .typeMismatch(let type, let context):
            let expected = type == String.self ? "a string" : (type == Int64.self || type == Int.self || type == Decimal.self) ? "an integer" : "of another type (\(type))"
            return ShopError.validation([FieldIssue(field: path(context.codingPath), message: "must be \(expected)")])
        @unknown default:
            return HTTPProblem.malformedJSON("the body could not be read")
        }
    }

    /// A path parameter that must be a SKU; anything else is a 404, as no such resource can exist.
    func sku(_ context: ShopRequestContext, resource: String) throws -> SKU {
        let raw = context.parameters.get("sku") ?? ""
        guard let sku = SKU(raw) else { throw ShopError.notFound(resource: resource, id: raw) }
        return sku
    }

    func pageRequest() throws -> PageRequest {
        let query = uri.queryParameters
        return try PageRequest(limit: query.get("limit"), cursor: query.get("cursor"))
    }
}
