import Foundation
import ShopDomain
import ShopSupport

/// A pass/fail condition on a run's summary, written `[endpoint:]metric<value`: `p99<300ms`,
/// `order:p99.9<=1s`, `error_rate<0.1%`, `late_rate<1%`, `dropped_rate<0.5%`. Latency percentiles are the
/// corrected ones (from each request's intended start). Errors are 5xx answers and failed connections.
package struct Threshold: Sendable, Equatable, Codable, CustomStringConvertible {
    package enum Metric: Sendable, Equatable, Codable {
        /// A latency percentile, in seconds.
        case percentile(Double)
        case errorRate, lateRate, droppedRate
    }

    package let expression: String
    /// Nil for all endpoints together.
    package let endpoint: Endpoint?
    package let metric: Metric
    package let inclusive: Bool
    /// Seconds for percentiles, a ratio (0.001 for 0.1%) for rates.
    package let limit: Double

    package var description: String { expression }

    package init(parsing expression: String) throws(ThresholdError) {
        self.expression = expression
        var text = Substring(expression.filter { !$0.isWhitespace })
        if let colon = text.firstIndex(of: ":") {
            guard let endpoint = Endpoint(rawValue: String(text[..<colon])) else {
                throw ThresholdError(
                    expression, "unknown endpoint \"\(text[..<colon])\" (one of \(Endpoint.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            self.endpoint = endpoint
            text = text[text.index(after: colon)...]
        } else {
            endpoint = nil
        }
        guard let less = text.firstIndex(of: "<") else { throw ThresholdError(expression, "expected metric<value or metric<=value") }
        let name = text[..<less]
        var rest = text[text.index(after: less)...]
        inclusive = rest.first == "="
        if inclusive { rest = rest.dropFirst() }
        switch name {
        case "error_rate": metric = .errorRate
        case "late_rate": metric = .lateRate
        case "dropped_rate": metric = .droppedRate
        default:
            guard name.first == "p", let percentile = Double(name.dropFirst()), percentile > 0, percentile <= 100 else {
                throw ThresholdError(expression, "unknown metric \"\(name)\" (p50…p100, error_rate, late_rate, dropped_rate)")
            }
            metric = .percentile(percentile)
        }
        switch metric {
        case .percentile:
            guard let seconds = DurationText.seconds(String(rest)), rest.last?.isLetter == true else {
                throw ThresholdError(expression, "a latency needs a unit: 300ms, 1s")
            }
            limit = seconds
        case .errorRate, .lateRate, .droppedRate:
            if rest.hasSuffix("%"), let percent = Double(rest.dropLast()), percent >= 0 {
                limit = percent / 100
            } else if let ratio = Double(rest), ratio >= 0, ratio <= 1 {
                limit = ratio
            } else {
                throw ThresholdError(expression, "a rate is a percentage (0.1%) or a ratio (0.001)")
            }
        }
    }

    package func holds(for observed: Double) -> Bool { inclusive ? observed <= limit : observed < limit }
}

package struct ThresholdError: Error, Sendable, Equatable, CustomStringConvertible {
    package let expression: String
    package let reason: String
    init(_ expression: String, _ reason: String) {
        self.expression = expression
        self.reason = reason
    }
    package var description: String { "threshold \"\(expression)\": \(reason)" }
}
