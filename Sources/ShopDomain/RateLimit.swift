/// A rate: at most `limit` requests per `windowMicroseconds`, enforced with the generic cell rate algorithm
/// (GCRA): each request moves a "theoretical arrival time" forward by `limit`'s share of the window, and a
/// request is refused when that time would run more than a window ahead of now. After a quiet window it
/// allows a burst of `limit` at once, then one per `window / limit`: the sustained rate is exactly the
/// limit, though the window the burst falls in can hold up to twice it. It needs one number of state per
/// key, where a strict sliding window would keep every request's time. The Redis script in `RateLimiter`
/// is the same maths.
package struct RateLimit: Sendable, Equatable, CustomStringConvertible {
    package let limit: Int
    package let windowMicroseconds: Int64

    package init(limit: Int, windowMicroseconds: Int64) {
        precondition(limit > 0 && windowMicroseconds > 0)
        self.limit = limit
        self.windowMicroseconds = windowMicroseconds
    }

    /// `1000/min`, `20/s`, `5000/h`; nil for anything else.
    package init?(parsing text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let limit = Int(parts[0]), (1...100_000_000).contains(limit) else { return nil }
        let window: Int64
        switch parts[1] {
        case "s", "sec", "second": window = 1_000_000
        case "min", "minute": window = 60_000_000
        case "h", "hour": window = 3_600_000_000
        default: return nil
        }
        self.init(limit: limit, windowMicroseconds: window)
    }

    package var description: String {
        switch windowMicroseconds {
        case 1_000_000: "\(limit)/s"
        case 60_000_000: "\(limit)/min"
        case 3_600_000_000: "\(limit)/h"
        default: "\(limit)/\(windowMicroseconds)us"
        }
    }

    /// Time one request uses up.
    package var emissionIntervalMicroseconds: Int64 { max(1, windowMicroseconds / Int64(limit)) }

    /// The decision for a request at `now` given the key's stored arrival time (nil: never seen), and the
    /// arrival time to store when it is allowed.
    package func decide(storedArrival: Int64?, now: Int64) -> (decision: RateLimitDecision, newArrival: Int64?) {
        let arrival = max(storedArrival ?? now, now)
        let next = arrival + emissionIntervalMicroseconds
        let allowedFrom = next - windowMicroseconds
        if now < allowedFrom {
            return (.limited(limit: self, retryAfterMicroseconds: allowedFrom - now, resetMicroseconds: arrival - now), nil)
        }
        return (.allowed(limit: self, remaining: remaining(busyMicroseconds: next - now), resetMicroseconds: next - now), next)
    }

    /// Requests left when the key's arrival time is `busyMicroseconds` ahead of now.
    package func remaining(busyMicroseconds: Int64) -> Int {
        Int(max(0, windowMicroseconds - busyMicroseconds) / emissionIntervalMicroseconds)
    }
}

package enum RateLimitDecision: Sendable, Equatable {
    /// `remaining` more requests would be allowed now; the key is fully rested after `reset`.
    case allowed(limit: RateLimit, remaining: Int, resetMicroseconds: Int64)
    /// Try again after `retryAfter`.
    case limited(limit: RateLimit, retryAfterMicroseconds: Int64, resetMicroseconds: Int64)

    package var isAllowed: Bool {
        if case .allowed = self { true } else { false }
    }
}
