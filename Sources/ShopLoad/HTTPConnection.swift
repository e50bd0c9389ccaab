import CSocketLoop
import Glibc
import NIOCore

/// What became of one request on the wire.
struct Answer {
    /// The status code, or nil when no answer came.
    var status: Int?
    /// The body, when it was asked for.
    var body: ByteBuffer?
    /// Whether the connection may carry the next request.
    var reusable: Bool
    /// When its last byte reached the socket, by the kernel's stamp; nil when unstamped (take the time it is
    /// handled).
    var received: NIODeadline? = nil
    /// The connection ended before a single byte of the answer came: on a reused connection, the server
    /// closed it as idle while the request was on its way (RFC 9112 §9.3.1).
    var unanswered = false
}

/// The answers on a keep-alive HTTP/1.1 connection, one request at a time: frames each response from the
/// bytes read. No I/O: the connection reads and writes.
struct AnswerReader {
    enum Outcome {
        /// More bytes needed.
        case waiting
        /// The answer, or a response broken beyond framing (no status, not reusable).
        case answer(Answer)
        /// Bytes with no request out: the server broke the framing, so nothing more on it can be trusted.
        case stray
    }

    private var parser = ResponseParser()
    private(set) var awaiting = false
    /// Whether any byte of the awaited answer has come.
    private var begun = false

    /// Waits for the answer to a request about to be written (a HEAD's answer has no body).
    mutating func expect(head: Bool, keepBody: Bool) {
        parser.expect(head: head, keepBody: keepBody)
        awaiting = true
        begun = false
    }

    mutating func read(_ bytes: inout ByteBuffer) -> Outcome {
        guard awaiting else { return .stray }
        if bytes.readableBytes > 0 { begun = true }
        do {
            guard let response = try parser.feed(&bytes) else { return .waiting }
            awaiting = false
            return .answer(Answer(status: response.status, body: response.body, reusable: response.keepAlive && bytes.readableBytes == 0))
        } catch {
            awaiting = false
            return .answer(Answer(status: nil, body: nil, reusable: false))
        }
    }

    /// The connection ended: the answer it owes, if a request was out (complete when its body ran to the close).
    mutating func closed() -> Answer? {
        guard awaiting else { return nil }
        awaiting = false
        let response = parser.finish()
        return Answer(status: response?.status, body: response?.body, reusable: false, unanswered: !begun)
    }
}

/// One keep-alive connection of a worker's pool, on the worker's socket loop.
final class LoadConnection: SocketWatcher {
    private let fd: Int32
    private unowned let loop: SocketLoop
    private var reader = AnswerReader()
    /// The part of a request the socket did not take at once.
    private var unsent: ByteBuffer?
    private var connecting: (timer: Int, done: (Result<LoadConnection, LoadRunError>) -> Void)?
    private var watchingWrites = false
    private(set) var isOpen = true
    /// A worker's request on the wire, and when it was sent.
    struct Sent {
        var job: LoadWorker.Job
        let sent: NIODeadline
    }
    /// Answers it has carried: a connection that has carried one may since have been closed as idle.
    var answers = 0
    /// The worker's request on the wire, while there is one.
    var current: Sent?
    /// Where every answer goes (nil status: the connection ended first), set once when it opens.
    var onAnswer: (Answer) -> Void = { _ in }
    /// The connection ended with no request on it (the server closed an idle keep-alive connection).
    var onIdleClose: () -> Void = {}

    private init(fd: Int32, loop: SocketLoop) {
        self.fd = fd
        self.loop = loop
    }

    /// Connects to `address` on `loop`; `done` gets the connection, or why there is none (refused, or not up
    /// in `timeout`). Always called back on a later turn of the loop, never from inside `open`.
    static func open(
        to address: TargetAddress, on loop: SocketLoop, timeout: TimeAmount, done: @escaping (Result<LoadConnection, LoadRunError>) -> Void
    ) {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            let failure = LoadRunError.system("no socket")
            loop.after(.now()) { done(.failure(failure)) }
            return
        }
        var noDelay: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        // An answer's time is when it reached the socket, not when the loop got round to reading it.
        _ = shim_stamp_receipts(fd)
        if address.connect(fd) != 0 && errno != EINPROGRESS {
            let failure = LoadRunError.system("no connection")
            Glibc.close(fd)
            loop.after(.now()) { done(.failure(failure)) }
            return
        }
        // Connected or under way: either way writable once it is up, with an error if it failed.
        let connection = LoadConnection(fd: fd, loop: loop)
        let timer = loop.after(.now() + timeout) { connection.connected(error: ETIMEDOUT) }
        connection.connecting = (timer, done)
        connection.watchingWrites = true
        loop.watch(fd, by: connection, writable: true)
    }

    private func connected(error: Int32) {
        guard let (timer, done) = connecting else { return }
        connecting = nil
        loop.cancel(timer)
        if error == 0 {
            watchWrites(false)
            done(.success(self))
        } else {
            shut()
            done(.failure(.system("no connection", code: error)))
        }
    }

    /// Writes a request; `onAnswer` runs when its answer (or the connection's end) comes.
    func send(_ request: ByteBuffer, head: Bool, keepBody: Bool) {
        reader.expect(head: head, keepBody: keepBody)
        write(request)
    }

    /// Closes it; a request still out is answered as an error (or with a body that ran to the close), later.
    func close() {
        guard isOpen else { return }
        shut()
        if let answer = reader.closed() { loop.after(.now()) { self.onAnswer(answer) } }
    }

    private func shut() {
        isOpen = false
        loop.unwatch(fd)
        Glibc.close(fd)
    }

    func socketReady(readable: Bool, writable: Bool, failed: Bool) {
        if connecting != nil {
            guard writable || failed else { return }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            // Up once writable with no error pending; a hang-up alone is a failed connect too.
            connected(error: error != 0 ? error : writable ? 0 : ECONNREFUSED)
            return
        }
        if writable, unsent != nil { flush() }
        if isOpen, readable || failed { receive() }
    }

    private func flush() {
        if let bytes = unsent { write(bytes) }
    }

    /// Writes what the socket takes of `bytes` (borrowed: a request sent whole is never copied) and keeps the
    /// rest as `unsent`.
    private func write(_ bytes: ByteBuffer) {
        let sent = bytes.withUnsafeReadableBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if sent == bytes.readableBytes {
            unsent = nil
            if watchingWrites { watchWrites(false) }
        } else if sent >= 0 || errno == EAGAIN || errno == EINTR {
            var rest = bytes
            rest.moveReaderIndex(forwardBy: max(sent, 0))
            unsent = rest
            if !watchingWrites { watchWrites(true) }
        } else {
            // The server closed it under the request: the answer is the connection's end.
            unsent = nil
            close()
        }
    }

    private func watchWrites(_ on: Bool) {
        watchingWrites = on
        loop.watch(fd, writable: on)
    }

    private func receive() {
        var count = 0
        var stamp: Int64 = 0
        loop.readBuffer.clear()
        loop.readBuffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 16 * 1024) { space in
            count = shim_read_stamped(fd, space.baseAddress, space.count, &stamp)
            return max(count, 0)
        }
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
        guard count > 0 else {
            // The end (or a reset): the answer it owes, or, idle, just gone from the pool.
            shut()
            if let answer = reader.closed() { onAnswer(answer) } else { onIdleClose() }
            return
        }
        let received = loop.received(stamp: stamp)
        switch reader.read(&loop.readBuffer) {
        case .waiting: break
        case .answer(var answer):
            answer.received = received
            onAnswer(answer)
        case .stray:
            shut()
            onIdleClose()
        }
    }
}
