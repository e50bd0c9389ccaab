import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import ShopLoad

/// The generator frames responses itself: it must read every valid HTTP/1.1 response as NIO's llhttp-based
/// decoder does, however the bytes arrive, and refuse what is not one.
@Suite struct ResponseParserTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let bytes: String
        var head = false
        var status: Int
        var keepAlive: Bool
        var body: String
        var testDescription: String { name }
    }

    static let valid: [Case] = [
        Case(
            name: "length", bytes: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello", status: 200, keepAlive: true,
            body: "hello"),
        Case(
            name: "chunked, with an extension and a trailer",
            bytes: "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nB\r\n, world! :)\r\n0\r\nX-Trailer: y\r\n\r\n",
            status: 201, keepAlive: true, body: "hello, world! :)"),
        Case(name: "HTTP/1.0 closes by default", bytes: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", status: 200, keepAlive: false, body: "ok"),
        Case(
            name: "HTTP/1.0 asked to stay open", bytes: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", status: 200,
            keepAlive: true, body: "ok"),
        Case(
            name: "told to close", bytes: "HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nContent-Length: 4\r\n\r\nbusy", status: 503,
            keepAlive: false, body: "busy"),
        Case(name: "no content", bytes: "HTTP/1.1 204 No Content\r\nX-Request-Id: 1\r\n\r\n", status: 204, keepAlive: true, body: ""),
        Case(
            name: "not modified ignores its length", bytes: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", status: 304, keepAlive: true,
            body: ""),
        Case(
            name: "a HEAD answer has no body", bytes: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", head: true, status: 200, keepAlive: true,
            body: ""),
        Case(
            name: "an interim answer first", bytes: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", status: 200,
            keepAlive: true, body: "x"),
        Case(
            name: "header names in any case", bytes: "HTTP/1.1 404 Not Found\r\ncontent-LENGTH:  3 \r\n\r\nnah", status: 404, keepAlive: true,
            body: "nah"),
        Case(name: "no reason phrase", bytes: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", status: 200, keepAlive: true, body: ""),
    ]

    /// Feeds `bytes` in pieces cut at `cuts`; returns the response and how many bytes were left over.
    static func parse(_ bytes: String, head: Bool = false, cuts: [Int] = []) throws -> (ResponseParser.Response?, leftover: Int) {
        var parser = ResponseParser()
        parser.expect(head: head, keepBody: true)
        let all = Array(bytes.utf8)
        var start = 0
        for end in cuts + [all.count] where end >= start {
            var piece = ByteBuffer(bytes: all[start..<end])
            start = end
            if let response = try parser.feed(&piece) {
                return (response, piece.readableBytes + all.count - end)
            }
        }
        return (nil, 0)
    }

    /// What NIO's own decoder (llhttp) makes of the same bytes.
    static func nio(_ bytes: String, head: Bool) throws -> (status: Int, keepAlive: Bool, body: String) {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
        try channel.writeOutbound(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: head ? .HEAD : .GET, uri: "/")))
        try channel.writeOutbound(HTTPClientRequestPart.end(nil))
        try channel.writeInbound(ByteBuffer(string: bytes))
        var status = 0, keepAlive = false, body = ""
        while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
            switch part {
            case .head(let response) where response.status.code >= 200:
                status = Int(response.status.code)
                keepAlive = response.isKeepAlive
            case .body(let buffer): body += String(buffer: buffer)
            case .head, .end: break
            }
        }
        _ = try? channel.finish()
        return (status, keepAlive, body)
    }

    @Test(arguments: valid)
    func readsAResponseAsNIOsDecoderDoes(_ example: Case) throws {
        let (response, leftover) = try Self.parse(example.bytes, head: example.head)
        let parsed = try #require(response)
        #expect(parsed.status == example.status)
        #expect(parsed.keepAlive == example.keepAlive)
        #expect(parsed.body.map { String(buffer: $0) } ?? "" == example.body)
        #expect(leftover == 0)
        let nio = try Self.nio(example.bytes, head: example.head)
        #expect(nio.status == parsed.status && nio.keepAlive == parsed.keepAlive && nio.body == example.body)
    }

    @Test(arguments: valid)
    func readsTheSameHoweverTheBytesArrive(_ example: Case) throws {
        let whole = try #require(try Self.parse(example.bytes, head: example.head).0)
        let count = example.bytes.utf8.count
        for cut in 0...count {
            #expect(try Self.parse(example.bytes, head: example.head, cuts: [cut]).0 == whole, "cut at \(cut)")
        }
        #expect(try Self.parse(example.bytes, head: example.head, cuts: Array(0...count)).0 == whole, "a byte at a time")
    }

    @Test func linesMayEndInABareLineFeed() throws {
        let response = try #require(try Self.parse("HTTP/1.1 200 OK\nContent-Length: 2\n\nok").0)
        #expect(response.status == 200 && response.body.map { String(buffer: $0) } == "ok")
    }

    @Test func theNextResponsesBytesAreLeftForTheNextRequest() throws {
        let first = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na"
        let second = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb"
        let (response, leftover) = try Self.parse(first + second)
        #expect(response?.body.map { String(buffer: $0) } == "a")
        #expect(leftover == second.utf8.count)
    }

    @Test func aBodyRunningToTheCloseEndsWithIt() throws {
        var parser = ResponseParser()
        parser.expect(head: false, keepBody: true)
        var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\nServer: old\r\n\r\nuntil ")
        #expect(try parser.feed(&bytes) == nil)
        bytes = ByteBuffer(string: "the end")
        #expect(try parser.feed(&bytes) == nil)
        #expect(parser.finish() == ResponseParser.Response(status: 200, keepAlive: false, body: ByteBuffer(string: "until the end")))
    }

    @Test func aResponseCutShortByTheCloseIsNone() throws {
        var parser = ResponseParser()
        parser.expect(head: false, keepBody: true)
        var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
        #expect(try parser.feed(&bytes) == nil)
        #expect(parser.finish() == nil)
    }

    @Test func aBodyNotAskedForIsSkipped() throws {
        var parser = ResponseParser()
        parser.expect(head: false, keepBody: false)
        var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody")
        #expect(try parser.feed(&bytes) == ResponseParser.Response(status: 200, keepAlive: true, body: nil))
        #expect(bytes.readableBytes == 0)
    }

    @Test(arguments: [
        ("HTTP/2 200 OK\r\n\r\n", "status line"),
        ("HTTP/1.1 2x0 OK\r\n\r\n", "status line"),
        ("hello\r\n", "status line"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", "Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", "two different Content-Length"),
        ("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "header line"),
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "101"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "chunk data"),
    ])
    func refusesWhatIsNotAResponse(_ bytes: String, _ reason: String) throws {
        let error = #expect(throws: ResponseParser.Malformed.self) { try Self.parse(bytes) }
        #expect(error?.description.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func refusesAHeadThatNeverEnds() throws {
        var parser = ResponseParser()
        parser.expect(head: false, keepBody: false)
        var start = ByteBuffer(string: "HTTP/1.1 200 OK\r\nX-Big: ")
        #expect(try parser.feed(&start) == nil)
        let error = #expect(throws: ResponseParser.Malformed.self) {
            for _ in 0..<100 {
                var piece = ByteBuffer(repeating: UInt8(ascii: "a"), count: 1_000)
                _ = try parser.feed(&piece)
            }
        }
        #expect(error?.description.contains("longer than") == true)
    }

    /// On a connection: an answer nobody asked for, or bytes after the answer, end the connection's use.
    @Test func bytesNobodyAskedForAreStray() {
        var reader = AnswerReader()
        var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        guard case .stray = reader.read(&bytes) else { Issue.record("an answer with no request out was taken"); return }
    }

    @Test func anAnswerFollowedByStrayBytesLeavesItsConnectionUnused() throws {
        var reader = AnswerReader()
        reader.expect(head: false, keepBody: false)
        var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n")
        let firstOutcome = reader.read(&bytes)
        let first = try #require(Self.answer(firstOutcome))
        #expect(first.status == 200 && !first.reusable)
        reader.expect(head: false, keepBody: false)
        var clean = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        let secondOutcome = reader.read(&clean)
        let second = try #require(Self.answer(secondOutcome))
        #expect(second.status == 200 && second.reusable)
    }

    /// A response that cannot be framed is the request's error, and its connection is not used again.
    @Test func aBrokenResponseIsAnErrorAnswer() throws {
        var reader = AnswerReader()
        reader.expect(head: false, keepBody: false)
        var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: nine\r\n\r\n")
        let outcome = reader.read(&bytes)
        let answer = try #require(Self.answer(outcome))
        #expect(answer.status == nil && !answer.reusable)
        #expect(!reader.awaiting)
    }

    /// The connection's end: a body that runs to the close completes its answer; a request cut short is an
    /// error; with no request out nothing is owed.
    @Test func theEndOfAConnectionAnswersWhatWasOut() throws {
        var reader = AnswerReader()
        let idle = reader.closed()
        #expect(idle == nil, "nothing is owed with no request out")
        reader.expect(head: false, keepBody: true)
        var toClose = ByteBuffer(string: "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall of it")
        guard case .waiting = reader.read(&toClose) else { Issue.record("a body up to the close ended early"); return }
        let atClose = reader.closed()
        let whole = try #require(atClose)
        #expect(whole.status == 200 && whole.body.map { String(buffer: $0) } == "all of it")
        reader.expect(head: false, keepBody: false)
        var cut = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")
        guard case .waiting = reader.read(&cut) else { Issue.record("a short body was taken whole"); return }
        let cutShort = reader.closed()
        let error = try #require(cutShort)
        #expect(error.status == nil && !error.reusable)
    }

    static func answer(_ outcome: AnswerReader.Outcome) -> Answer? {
        if case .answer(let answer) = outcome { answer } else { nil }
    }
}
