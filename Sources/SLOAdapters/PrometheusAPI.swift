import AsyncHTTPClient
import Foundation
import NIOCore

/// Instant queries against a Prometheus server's HTTP API (`GET /api/v1/query`).
package struct PrometheusAPI: Sendable {
    package let baseURL: String
    let http: HTTPClient
    let timeout: TimeAmount

    package init(baseURL: String, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(10)) {
        self.baseURL = MonitoringCall.trimmed(baseURL)
        self.http = http
        self.timeout = timeout
    }

    package struct Failure: Error, CustomStringConvertible {
        package var description: String
    }

    /// The single value `query` evaluates to (summed series have one) at `time` (Prometheus's own now when
    /// nil), nil for an empty result.
    package func scalar(_ query: String, at time: Date? = nil) async throws(Failure) -> Double? {
        // Everything but letters and digits percent-encoded: a `+` left as is would reach Prometheus as a space.
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let url = baseURL + "/api/v1/query?query=" + encoded + (time.map { String(format: "&time=%.3f", $0.timeIntervalSince1970) } ?? "")
        let (status, body): (UInt, ByteBuffer)
        do {
            (status, body) = try await MonitoringCall.execute(
                HTTPClientRequest(url: url), http: http, timeout: timeout, limit: 16 * 1024 * 1024, service: "Prometheus", baseURL: baseURL)
        } catch {
            throw Failure(description: error.description)
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(body.readableBytesView)) else {
            throw Failure(description: "Prometheus at \(baseURL) answered \(status) with no API response")
        }
        guard answer.status == "success", let data = answer.data else {
            throw Failure(description: "Prometheus refused \(query): \(answer.error ?? "status \(status)")")
        }
        guard let first = data.result.first else { return nil }
        guard first.value.count == 2, case .text(let text) = first.value[1], let value = Double(text) else {
            throw Failure(description: "Prometheus answered \(query) with no sample value")
        }
        return value.isNaN ? nil : value
    }

    struct Answer: Decodable {
        var status: String
        var data: ResultData?
        var error: String?
    }

    struct ResultData: Decodable {
        var result: [Sample]
    }

    struct Sample: Decodable {
        var value: [TimeOrValue]
    }

    /// `[1700000000.123, "0.25"]`: a number, then the value as text.
    enum TimeOrValue: Decodable {
        case time(Double)
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) { self = .text(text) } else { self = .time(try container.decode(Double.self)) }
        }
    }
}
