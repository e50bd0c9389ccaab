import Foundation
import Hummingbird
import NIOFoundationCompat
import ShopDomain

extension Request {
    /// Decodes a JSON body with the API's error rules: 415 without a JSON content type, 413 past the body
    /// limit, 400 for JSON that does not parse, 422 naming the field for JSON of the wrong shape.
    func decodeJSON<Body: Decodable>(_ type: Body.Type, context: ShopRequestContext) async throws -> Body {
        let mediaType = headers[.contentType].flatMap { MediaType(from: $0) }
        guard let mediaType, mediaType.isType(.applicationJson) else {
            throw HTTPProblem.unsupportedMediaType("send the body as application/json")
        }
        let buffer = try await collectBody(context: context)
        do {
            return try JSONDecoder().decode(Body.self, from: buffer)
        } catch let error as DecodingError {
            throw Self.problem(for: error)
        }
    }

    /// The whole body, up to the limit. A client that breaks off, stalls or garbles the body mid-upload
    /// gets a 4xx for it (499 when it is gone and nobody reads the answer), never a 500.
    func collectBody(context: ShopRequestContext) async throws -> ByteBuffer {
        do {
            return try await body.collect(upTo: context.maxUploadSize)
        } catch let error as any HTTPResponseError {
            throw error  // 413 over the limit
        } catch {
            throw HTTPProblem(bodyReadError: error)
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
            // Our own decoders say what is wrong in the API's words; Foundation's own words name Swift types.
            let own = context.underlyingError == nil && (context.debugDescription.hasPrefix("must ") || context.debugDescription.hasPrefix("not "))
            let message = own ? context.debugDescription : "has an invalid value"
            return ShopError.validation([FieldIssue(field: path(context.codingPath), message: message)])
        case .keyNotFound(let key, let context):
            return ShopError.validation([FieldIssue(field: path(context.codingPath + [key]), message: "is required")])
        case .valueNotFound(_, let context):
            return ShopError.validation([FieldIssue(field: path(context.codingPath), message: "must not be null")])
        case .typeMismatch(let type, let context):
            return ShopError.validation([FieldIssue(field: path(context.codingPath), message: "must be " + jsonKind(of: type))])
        @unknown default:
            return HTTPProblem.malformedJSON("the body could not be read")
        }
    }

    /// The JSON kind a decoder wanted, in the API's words rather than Swift's type names.
    static func jsonKind(of type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type, is Int32.Type, is Decimal.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        case is [String: Any].Type, is [String: any Decodable].Type: "an object"
        case is [Any].Type, is [any Decodable].Type: "an array"
        default: "of another type"
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
