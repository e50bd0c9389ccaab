import Logging

/// The fields of one access log line, the same for a request the router answered and one the connection
/// layer refused before it became a request.
enum AccessLine {
    static func metadata(
        method: String, route: String, path: String, status: Int, seconds: Double, bytesIn: Int, bytesOut: Int, client: String?, user: String?
    ) -> Logger.Metadata {
        var line: Logger.Metadata = [
            "method": "\(method)",
            "route": "\(route)",
            "path": "\(path)",
            "status": .stringConvertible(status),
            "duration_ms": .stringConvertible((seconds * 1000 * 1000).rounded() / 1000),
            "bytes_in": .stringConvertible(bytesIn),
            "bytes_out": .stringConvertible(bytesOut),
        ]
        if let client { line["client_address"] = "\(client)" }
        if let user { line["user"] = "\(user)" }
        return line
    }
}
