/// How a request ended, as the result counts it: by status class, or `error` when no answer came (refused,
/// reset, timed out).
package enum StatusClass: String, Codable, Sendable, CaseIterable {
    case success = "2xx", redirect = "3xx", clientError = "4xx", serverError = "5xx", error

    package init(status: Int) {
        switch status {
        case 200..<300: self = .success
        case 300..<400: self = .redirect
        case 400..<500: self = .clientError
        case 500..<600: self = .serverError
        default: self = .error
        }
    }

    /// Its place in `allCases`.
    package var ordinal: Int {
        switch self {
        case .success: 0
        case .redirect: 1
        case .clientError: 2
        case .serverError: 3
        case .error: 4
        }
    }

    /// What an SLO counts as bad: server errors and requests that got no answer.
    package var isError: Bool { self == .serverError || self == .error }
}
