import JSONLogging

/// The fields of one access log line, the same for a request the router answered and one the connection
/// layer refused before it became a request: sorted by key, as `Logger.log(_:_:fields:)` wants them.
enum AccessLine {
    static func fields(
        method: String, route: String, path: String, status: Int, seconds: Double, bytesIn: Int, bytesOut: Int, client: String?, user: String?,
        synthetic: Bool = false
    ) -> [(key: String, value: LineField)] {
        var line: [(key: String, value: LineField)] = []
        line.reserveCapacity(10)
        line.append(("bytes_in", .int(bytesIn)))
        line.append(("bytes_out", .int(bytesOut)))
        if let client { line.append(("client_address", .string(client))) }
        line.append(("duration_ms", .number((seconds * 1000 * 1000).rounded() / 1000)))
        line.append(("method", .string(method)))
        line.append(("path", .string(path)))
        line.append(("route", .string(route)))
        line.append(("status", .int(status)))
        // Only when marked: a customer's line stays as it was.
        if synthetic { line.append(("synthetic", .bool(true))) }
        if let user { line.append(("user", .string(user))) }
        return line
    }
}
