import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ShopContract
import ShopDomain
import ShopStore

/// Failures of the HTTP exchange itself, before the shop's rules are reached.
package enum HTTPProblem: Error, Sendable {
    case unauthorized(String)
    /// A sign-in or refresh refused, one answer for every reason (no account, wrong password, token spent).
    case invalidCredentials(String)
    case forbidden(String)
    case malformedJSON(String)
    case unsupportedMediaType(String)
    case methodNotAllowed([HTTPRequest.Method])
    case routeNotFound
    case invalidHeader(name: String, reason: String)
    /// The fault switchboard made this request fail.
    case injectedFault
    /// A rate limit refused the request: which scope, how long to wait, and the limit's headers.
    case rateLimited(scope: String, retryAfterSeconds: Int, headers: HTTPFields)
    /// The request is not valid HTTP/1.1 (framing, a chunk size, a missing `Host`): a 400.
    case malformedRequest(String)
    /// The request's head is over the parser's limits: a 431.
    case headersTooLarge
    /// The client took too long to send its head or the next part of its body: a 408.
    case requestTimeout(String)
    /// The client went away before its request was read whole: recorded as 499 (nginx's "client closed
    /// request"), outside every 5xx an availability SLO counts; nobody is left to read the answer.
    case clientClosedRequest

    /// 499 is no IANA status; nginx's meaning is the one every log reader knows.
    static let clientClosedRequestStatus = HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")

    /// What a failure while reading a request's body says about the client: a garbled or cut-short body is
    /// its mistake (400), a stalled one a 408, and anything else (a reset, a closed socket) means it left.
    init(bodyReadError error: any Error) {
        switch error {
        case let error as HTTPParserError: self.init(parserError: error)
        case let error as RequestBodyUnreadable: self.init(parserError: error.parserError)
        case is RequestBodyTimeout: self = .requestTimeout("the request body stalled; send it without pauses")
        default: self = .clientClosedRequest
        }
    }

    /// What NIO's HTTP parser refused, in the API's words.
    init(parserError error: HTTPParserError) {
        switch error {
        case .headerOverflow: self = .headersTooLarge
        case .invalidEOFState: self = .malformedRequest("the request ended before its body was complete")
        case .invalidChunkSize: self = .malformedRequest("a chunk size of the body is not a valid hexadecimal length")
        case .invalidMethod: self = .malformedRequest("the method is not one HTTP defines")
        case .invalidVersion: self = .malformedRequest("the HTTP version is not supported")
        case .invalidURL, .invalidPath, .invalidQueryString, .invalidFragment: self = .malformedRequest("the request target is not a valid URL")
        case .invalidHeaderToken, .invalidCharactersUsed: self = .malformedRequest("a header contains characters HTTP does not allow")
        case .lfExpected: self = .malformedRequest("lines must end in CRLF")
        case .unexpectedContentLength, .invalidContentLength: self = .malformedRequest("Content-Length is not valid")
        default: self = .malformedRequest("the request is not valid HTTP/1.1")
        }
    }
}

/// The time allowed between two parts of a request body ran out (`ConnectionDeadlines`).
struct RequestBodyTimeout: Error {}

/// The one mapping from any error to a status, headers and a problem body. Anything not recognised is an
/// internal failure: logged with its detail, answered as a bare 500 without it.
enum ProblemMapping {
    static let problemContentType = "application/problem+json"

    static func problem(for error: any Error, path: String, logger: Logger) -> (ProblemDetails, HTTPFields) {
        var headers = HTTPFields()
        var problem: ProblemDetails
        switch error {
        case let error as ShopError:
            switch error {
            case .validation(let issues):
                problem = ProblemDetails(
                    type: .validation, status: .unprocessableContent, title: "The request is not valid",
                    detail: issues.sentence)
                problem.errors = issues
            case .notFound(let resource, let id):
                problem = ProblemDetails(status: .notFound, detail: "no \(resource) \(id)")
            case .insufficientStock(let sku, let available, let requested):
                problem = ProblemDetails(
                    type: .insufficientStock, status: .conflict, title: "Not enough stock",
                    detail: "\(sku) has \(available) units, \(requested) asked for")
                problem.sku = sku.code
                problem.available = available
                problem.requested = requested
            case .invalidState(let resource, let state, let action):
                problem = ProblemDetails(
                    type: .invalidState, status: .conflict, title: "Not possible in this state",
                    detail: "cannot \(action) a \(resource) that is \(state)")
            case .idempotencyKeyReused:
                problem = ProblemDetails(
                    type: .idempotencyKeyReused, status: .unprocessableContent,
                    title: "Idempotency-Key already used", detail: "this Idempotency-Key was used with a different request body")
            case .alreadyExists(let resource):
                problem = ProblemDetails(type: .alreadyExists, status: .conflict, title: "Already exists", detail: "this \(resource) exists already")
            case .unavailable(let dependency, let retryAfter):
                problem = ProblemDetails(status: .serviceUnavailable, detail: "\(dependency) is unavailable; retry later")
                headers[.retryAfter] = String(retryAfter)
            }
        case let error as HTTPProblem:
            switch error {
            case .unauthorized(let reason):
                problem = ProblemDetails(status: .unauthorized, detail: reason)
                headers[.wwwAuthenticate] = "Bearer realm=\"shop-api\""
            case .invalidCredentials(let reason):
                problem = ProblemDetails(type: .invalidCredentials, status: .unauthorized, title: "Invalid credentials", detail: reason)
            case .forbidden(let reason):
                problem = ProblemDetails(status: .forbidden, detail: reason)
            case .malformedJSON(let reason):
                problem = ProblemDetails(type: .malformedJSON, status: .badRequest, title: "Malformed JSON", detail: reason)
            case .unsupportedMediaType(let reason):
                problem = ProblemDetails(status: .unsupportedMediaType, detail: reason)
            case .methodNotAllowed(let allowed):
                problem = ProblemDetails(status: .methodNotAllowed, detail: "this path serves \(allowed.map(\.rawValue).joined(separator: ", "))")
                headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            case .routeNotFound:
                problem = ProblemDetails(status: .notFound, detail: "no such route")
            case .invalidHeader(let name, let reason):
                problem = ProblemDetails(
                    type: .validation, status: .badRequest, title: "Invalid header", detail: "\(name) \(reason)")
            case .injectedFault:
                problem = ProblemDetails(
                    type: .injectedFault, status: .internalServerError, title: "Injected fault",
                    detail: "the fault switchboard failed this request on purpose")
            case .malformedRequest(let reason):
                problem = ProblemDetails(type: .malformedRequest, status: .badRequest, title: "Malformed request", detail: reason)
            case .headersTooLarge:
                problem = ProblemDetails(status: .requestHeaderFieldsTooLarge, detail: "the request's headers are over the server's limits")
            case .requestTimeout(let reason):
                problem = ProblemDetails(type: .requestTimeout, status: .requestTimeout, title: "Request timeout", detail: reason)
                headers[.connection] = "close"
            case .clientClosedRequest:
                problem = ProblemDetails(
                    status: HTTPProblem.clientClosedRequestStatus, detail: "the client closed the connection before its request was read")
            case .rateLimited(let scope, let retryAfter, let limitHeaders):
                problem = ProblemDetails(
                    type: .rateLimited, status: .tooManyRequests, title: "Too many requests",
                    detail: "the \(scope) rate limit is used up; retry after \(retryAfter) s")
                headers = limitHeaders
                headers[.retryAfter] = String(retryAfter)
            }
        case let error as HTTPParserError:
            return Self.problem(for: HTTPProblem(parserError: error), path: path, logger: logger)
        case StoreError.unreachable(let reason):
            logger.warning("database unreachable", metadata: ["error": "\(reason)", "path": "\(path)"])
            problem = ProblemDetails(status: .serviceUnavailable, detail: "the database is unavailable; retry later")
            headers[.retryAfter] = "1"
        case let error as any HTTPResponseError where error.status.code < 500:
            // Hummingbird's own refusals: 404 for no route, 413 for a body over the limit, 400 for a bad query.
            problem = ProblemDetails(status: error.status, detail: (error as? HTTPError)?.body)
        default:
            logger.error("internal failure", metadata: ["error": "\(String(reflecting: error))", "path": "\(path)"])
            problem = ProblemDetails(status: .internalServerError, detail: "an internal error occurred; it has been logged")
        }
        problem.instance = path
        return (problem, headers)
    }

    /// A whole HTTP/1.1 answer for `error` that closes the connection, with its status: for the connection
    /// layer, which answers requests that never reach the router, ahead of Hummingbird's encoder.
    static func wireResponse(
        for error: HTTPProblem, path: String?, logger: Logger, allocator: ByteBufferAllocator
    ) -> (bytes: ByteBuffer, status: Int) {
        var (problem, headers) = problem(for: error, path: path ?? "", logger: logger)
        if path == nil { problem.instance = nil }
        let body = (try? ShopRequestContext.encoder.encode(problem)) ?? Data()
        // NIO's status knows every registered reason phrase; HTTPTypes' `Status(code:)` leaves it empty.
        let status = HTTPResponseStatus(statusCode: problem.status)
        headers[.contentType] = problemContentType
        headers[.contentLength] = String(body.count)
        headers[.connection] = "close"
        var buffer = allocator.buffer(capacity: 256 + body.count)
        buffer.writeString("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
        for field in headers { buffer.writeString("\(field.name.rawName): \(field.value)\r\n") }
        buffer.writeString("\r\n")
        buffer.writeBytes(body)
        return (buffer, problem.status)
    }

    static func response(_ problem: ProblemDetails, headers extra: HTTPFields) -> Response {
        let data = (try? ShopRequestContext.encoder.encode(problem)) ?? Data()
        var headers = extra
        headers[.contentType] = problemContentType
        return Response(
            status: .init(code: problem.status),
            headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
