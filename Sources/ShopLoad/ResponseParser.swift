import NIOCore

/// Frames the HTTP/1.1 responses of a connection that carries one request at a time (RFC 9112 §6.3): the
/// status, whether the connection stays open, and the body when asked for; every other header is skipped.
///
/// Hand-written rather than NIO's `HTTPResponseDecoder` because a load generator must cost less than the
/// server it measures: llhttp's per-field callbacks, a materialised `HTTPHeaders` and three pipeline reads
/// per response were a seventh of shop-load's CPU per request, for a status and a length.
struct ResponseParser {
    struct Response: Equatable {
        var status: Int
        var keepAlive: Bool
        var body: ByteBuffer?
    }

    /// Bytes that are not an HTTP/1.x response: the connection cannot be trusted further.
    struct Malformed: Error, Equatable, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The most a head (status line and headers), a chunk-size line or the trailers may take.
    static let maxHeadBytes = 64 * 1024
    static let headTooLong = Malformed("a response head longer than \(maxHeadBytes) bytes")
    private static let versionPrefix = Array("HTTP/1.".utf8)

    private enum State: Equatable {
        case statusLine
        case headers
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        /// The line break after a chunk's data.
        case chunkEnd
        case trailers
        /// No length given: the body ends when the server closes the connection.
        case untilClose
        case done

        var readsLines: Bool {
            switch self {
            case .statusLine, .headers, .chunkSize, .chunkEnd, .trailers: true
            case .fixed, .chunkData, .untilClose, .done: false
            }
        }
    }

    private var state = State.done
    /// The start of a line whose end has not arrived yet.
    private var partial: ByteBuffer?
    private var headBytes = 0
    private var status = 0
    private var http10 = false
    private var close = false
    private var keepAliveAsked = false
    private var contentLength: Int?
    private var chunked = false
    private var otherCoding = false
    private var body: ByteBuffer?
    private var answersHead = false
    private var keepBody = false

    /// Starts on the answer to the next request: a HEAD request's answer has no body whatever it says.
    mutating func expect(head: Bool, keepBody: Bool) {
        self = ResponseParser()
        state = .statusLine
        answersHead = head
        self.keepBody = keepBody
    }

    /// Takes bytes just read and returns the response once its last byte is in; bytes beyond it stay in
    /// `input`. Nothing is expected before `expect`, nor after a response until the next `expect`.
    mutating func feed(_ input: inout ByteBuffer) throws(Malformed) -> Response? {
        if var partial {
            self.partial = nil
            partial.writeBuffer(&input)
            input = partial
        }
        while true {
            switch state {
            case .done:
                return nil
            case .statusLine, .headers, .chunkSize, .chunkEnd, .trailers:
                let (consumed, outcome) = input.withUnsafeReadableBytes { takeLines($0) }
                input.moveReaderIndex(forwardBy: consumed)
                switch outcome {
                case .failure(let malformed): throw malformed
                case .success(let response?): return response
                case .success(nil) where state.readsLines:
                    // A line whose end is still to come.
                    guard input.readableBytes <= Self.maxHeadBytes - headBytes else { throw Self.headTooLong }
                    if input.readableBytes > 0 { partial = input.readSlice(length: input.readableBytes) }
                    return nil
                case .success(nil): continue
                }
            case .fixed(let remaining), .chunkData(let remaining):
                let taken = min(remaining, input.readableBytes)
                guard taken > 0 else { return nil }
                if keepBody, var slice = input.readSlice(length: taken) {
                    if body == nil { body = slice } else { body!.writeBuffer(&slice) }
                } else {
                    input.moveReaderIndex(forwardBy: taken)
                }
                if case .chunkData = state {
                    state = remaining == taken ? .chunkEnd : .chunkData(remaining: remaining - taken)
                } else if remaining == taken {
                    return complete()
                } else {
                    state = .fixed(remaining: remaining - taken)
                }
            case .untilClose:
                if keepBody, input.readableBytes > 0 {
                    if body == nil { body = input } else { body!.writeBuffer(&input) }
                }
                input.moveReaderIndex(to: input.writerIndex)
                return nil
            }
        }
    }

    /// Takes every whole line at the start of `bytes` while lines are expected: how many bytes that was, and
    /// the response if one ended (or what was wrong).
    private mutating func takeLines(_ bytes: UnsafeRawBufferPointer) -> (Int, Result<Response?, Malformed>) {
        var offset = 0
        while state.readsLines, let newline = bytes[offset...].firstIndex(of: UInt8(ascii: "\n")) {
            var line = UnsafeRawBufferPointer(rebasing: bytes[offset..<newline])
            if line.last == UInt8(ascii: "\r") { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
            headBytes += newline + 1 - offset
            offset = newline + 1
            guard headBytes <= Self.maxHeadBytes else { return (offset, .failure(Self.headTooLong)) }
            do throws(Malformed) {
                if let response = try take(line: line) { return (offset, .success(response)) }
            } catch {
                return (offset, .failure(error))
            }
        }
        return (offset, .success(nil))
    }

    /// The connection closed: the response, when its body was the one running until the close.
    mutating func finish() -> Response? {
        guard state == .untilClose else { return nil }
        return complete()
    }

    private mutating func complete() -> Response {
        state = .done
        let keepAlive = !close && (!http10 || keepAliveAsked) && !otherCoding
        return Response(status: status, keepAlive: keepAlive, body: body)
    }

    /// One line, without its line break, in the state that expects it.
    private mutating func take(line: UnsafeRawBufferPointer) throws(Malformed) -> Response? {
        switch state {
        case .statusLine:
            try takeStatusLine(line)
            state = .headers
        case .headers:
            guard line.isEmpty else {
                try takeHeader(line)
                return nil
            }
            return try endOfHead()
        case .chunkSize:
            let size = try Self.chunkSize(line)
            headBytes = 0
            state = size == 0 ? .trailers : .chunkData(remaining: size)
        case .chunkEnd:
            guard line.isEmpty else { throw Malformed("chunk data longer than its size") }
            state = .chunkSize
        case .trailers:
            if line.isEmpty { return complete() }
        case .fixed, .chunkData, .untilClose, .done:
            break
        }
        return nil
    }

    /// `HTTP/1.x SSS reason`: the version and status code.
    private mutating func takeStatusLine(_ line: UnsafeRawBufferPointer) throws(Malformed) {
        guard line.count >= 12, line.starts(with: Self.versionPrefix), line[7] == UInt8(ascii: "0") || line[7] == UInt8(ascii: "1"),
            line[8] == UInt8(ascii: " "), line.count == 12 || line[12] == UInt8(ascii: " "),
            let code = Self.decimal(UnsafeRawBufferPointer(rebasing: line[9..<12])), code >= 100
        else { throw Malformed("not an HTTP/1.x status line: \(Self.text(line))") }
        status = code
        http10 = line[7] == UInt8(ascii: "0")
    }

    /// A header line: only the ones that frame the message or end the connection matter here.
    private mutating func takeHeader(_ line: UnsafeRawBufferPointer) throws(Malformed) {
        // A folded continuation line (obsolete) only ever continues a header this parser skips or rejects.
        guard line[0] != UInt8(ascii: " ") && line[0] != UInt8(ascii: "\t") else { return }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { throw Malformed("not a header line: \(Self.text(line))") }
        let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
        let value = Self.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
        if Self.equalsIgnoringCase(name, "content-length") {
            guard let length = Self.decimal(value) else { throw Malformed("a bad Content-Length: \(Self.text(value))") }
            if let contentLength, contentLength != length { throw Malformed("two different Content-Length headers") }
            contentLength = length
        } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
            // Only the last coding frames the body (RFC 9112 §6.3): chunked, or else the body runs to the close.
            let codings = value.split(separator: UInt8(ascii: ","))
            chunked = codings.last.map { Self.equalsIgnoringCase(Self.trimmed(UnsafeRawBufferPointer(rebasing: $0)), "chunked") } ?? false
            otherCoding = !chunked
        } else if Self.equalsIgnoringCase(name, "connection") {
            for token in value.split(separator: UInt8(ascii: ",")) {
                let token = Self.trimmed(UnsafeRawBufferPointer(rebasing: token))
                if Self.equalsIgnoringCase(token, "close") { close = true }
                if Self.equalsIgnoringCase(token, "keep-alive") { keepAliveAsked = true }
            }
        }
    }

    /// The head is in: how the body is framed (RFC 9112 §6.3), or the response itself when it has none.
    private mutating func endOfHead() throws(Malformed) -> Response? {
        if status < 200 {
            // An interim answer (100 Continue, 103 Early Hints): the real one follows.
            guard status != 101 else { throw Malformed("101 Switching Protocols, which the generator never asks for") }
            let head = answersHead, keep = keepBody
            expect(head: head, keepBody: keep)
            return nil
        }
        headBytes = 0
        if answersHead || status == 204 || status == 304 { return complete() }
        if chunked {
            state = .chunkSize
        } else if otherCoding {
            state = .untilClose
        } else if let contentLength {
            if contentLength == 0 { return complete() }
            state = .fixed(remaining: contentLength)
        } else {
            close = true
            state = .untilClose
        }
        return nil
    }

    /// A chunk-size line: hexadecimal digits, then optional extensions after `;` (skipped).
    private static func chunkSize(_ line: UnsafeRawBufferPointer) throws(Malformed) -> Int {
        var size = 0
        var digits = 0
        digits: for byte in line {
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A")) + 10
            case UInt8(ascii: ";"), UInt8(ascii: " "), UInt8(ascii: "\t"): break digits
            default: throw Malformed("a bad chunk size: \(text(line))")
            }
            guard digits < 15 else { throw Malformed("a chunk larger than the generator reads: \(text(line))") }
            size = size * 16 + digit
            digits += 1
        }
        guard digits > 0 else { throw Malformed("a bad chunk size: \(text(line))") }
        return size
    }

    /// Only ASCII digits, at most 18 of them (no sign, no spaces).
    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// Whether `bytes` spell `lowercase` in any case (ASCII).
    private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for (byte, want) in zip(bytes, expected) {
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
            guard folded == want else { return false }
        }
        return true
    }

    /// A line as text for an error message, cut short.
    private static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes.prefix(80), as: UTF8.self).debugDescription
    }
}
