import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One HTTP call to a monitoring service (Prometheus, Alertmanager), its answer collected: what both API
/// clients share. A call that cannot be made fails with a line naming the service and where it was sought.
enum MonitoringCall {
    /// A base URL without its trailing slash, so paths can be appended.
    static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }

    static func execute(
        _ request: HTTPClientRequest, http: HTTPClient, timeout: TimeAmount, limit: Int, service: String, baseURL: String
    ) async throws(Unreachable) -> (status: UInt, body: ByteBuffer) {
        do {
            let response = try await http.execute(request, timeout: timeout)
            return (response.status.code, try await response.body.collect(upTo: limit))
        } catch {
            throw Unreachable(description: "cannot reach \(service) at \(baseURL): \(error)")
        }
    }

    struct Unreachable: Error, CustomStringConvertible {
        var description: String
    }
}
