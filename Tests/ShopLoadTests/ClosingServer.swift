import Foundation
import Glibc
import Synchronization

/// A raw HTTP/1.1 server on 127.0.0.1 for the keep-alive race: the first connection to carry a second
/// request closes on reading it, unanswered; every other request gets a one-product catalogue page.
final class ClosingServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let closed = Mutex(false)

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0 }
        }
        guard bound, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            while true {
                let fd = accept(self.listener, nil, nil)
                guard fd >= 0 else { return }
                Thread.detachNewThread { self.serve(fd) }
            }
        }
    }

    /// Whether a connection was closed under its second request.
    var raced: Bool { closed.withLock { $0 } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var pending = [UInt8]()
        var served = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        let body = #"{"items":[{"sku":"SKU-1"}],"next_cursor":null}"#
        let answer = Array("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            pending += buffer[0..<count]
            while let end = pending.firstRange(of: Array("\r\n\r\n".utf8)) {
                pending.removeSubrange(..<end.upperBound)
                if served == 1,
                    closed.withLock({ first in
                        defer { first = true }; return !first
                    })
                {
                    return
                }
                _ = send(fd, answer, answer.count, Int32(MSG_NOSIGNAL))
                served += 1
            }
        }
    }
}
