import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Whether the server can listen where it is told to, asked before anything starts: a port already taken
/// is then one clear line, where a bind failing inside the running service group would stop it halfway.
enum ListenCheck {
    static func ensureFree(host: String, port: Int) throws {
        guard port != 0 else { return }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else {
            throw ListenError("cannot listen on \(host):\(port): \(host) is not an address of this machine")
        }
        defer { freeaddrinfo(found) }
        let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
        guard fd >= 0 else { return }
        defer { close(fd) }
        // As the server binds: SO_REUSEADDR, so a port in TIME_WAIT after a restart counts as free.
        var on: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        if bind(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 {
            throw ListenError("cannot listen on \(host):\(port): \(String(cString: strerror(errno)))")
        }
    }
}

struct ListenError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
