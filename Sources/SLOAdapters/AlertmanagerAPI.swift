import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Alerts posted to Alertmanager's v2 API (`POST /api/v2/alerts`), as Prometheus sends them.
public struct AlertmanagerAPI: Sendable {
    public let baseURL: String
    let http: HTTPClient
    let timeout: TimeAmount

    public init(baseURL: String, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) {
        self.baseURL = MonitoringCall.trimmed(baseURL)
        self.http = http
        self.timeout = timeout
    }

    /// One alert as the API takes it; `endsAt` in the past resolves it.
    public struct Alert: Codable, Sendable, Equatable {
        public var labels: [String: String]
        public var annotations: [String: String]
        public var startsAt: String
        public var endsAt: String
        public var generatorURL: String
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public func post(_ alerts: [Alert]) async throws(Failure) {
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
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
