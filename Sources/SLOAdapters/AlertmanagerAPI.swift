import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Alerts posted to Alertmanager's v2 API (`POST /api/v2/alerts`), as Prometheus sends them.
package struct AlertmanagerAPI: Sendable {
    package let baseURL: String
    let http: HTTPClient
    let timeout: TimeAmount

    package init(baseURL: String, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) {
        self.baseURL = MonitoringCall.trimmed(baseURL)
        self.http = http
        self.timeout = timeout
    }

    /// One alert as the API takes it; `endsAt` in the past resolves it.
    package struct Alert: Codable, Sendable, Equatable {
        package var labels: [String: String]
        package var annotations: [String: String]
        package var startsAt: String
        package var endsAt: String
        package var generatorURL: String
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    package func post(_ alerts: [Alert]) async throws(Failure) {
        var request = HTTPClientRequest(url: baseURL + "/api/v2/alerts")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        do {
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(alerts)))
        } catch {
            throw Failure(description: "cannot encode alerts: \(error)")
        }
        let (status, body): (UInt, ByteBuffer)
        do {
            (status, body) = try await MonitoringCall.execute(
                request, http: http, timeout: timeout, limit: 1024 * 1024, service: "Alertmanager", baseURL: baseURL)
        } catch {
            throw Failure(description: error.description)
        }
        guard (200..<300).contains(status) else {
            throw Failure(description: "Alertmanager at \(baseURL) answered \(status): \(String(buffer: body).prefix(200))")
        }
    }

    /// Alertmanager's time format: RFC 3339 with milliseconds, UTC.
    package static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
