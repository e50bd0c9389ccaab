import ShopSupport

/// Stops calling a failing dependency for a while, so that its failures cost the caller nothing but a
/// fast refusal. A value type driven by the caller's clock: closed → open after `failureThreshold`
/// consecutive failures; open → half-open after `openDuration`; one trial call in half-open closes it on
/// success or opens it again on failure.
package struct CircuitBreaker: Sendable, Equatable {
    package enum State: String, Sendable, Equatable {
        case closed
        case open
        case halfOpen = "half_open"
    }

    package let failureThreshold: Int
    package let openDurationMilliseconds: Int64
    package private(set) var state: State = .closed
    private var consecutiveFailures = 0
    private var openedAt = Timestamp(millisecondsSinceEpoch: 0)
    private var trialInFlight = false

    package init(failureThreshold: Int, openDurationMilliseconds: Int64) {
        precondition(failureThreshold > 0 && openDurationMilliseconds > 0)
        self.failureThreshold = failureThreshold
        self.openDurationMilliseconds = openDurationMilliseconds
    }

    /// Whether a call may go out now. In half-open only one trial call is let through at a time.
    package mutating func allowsCall(at now: Timestamp) -> Bool {
        switch state {
        case .closed:
            return true
        case .open:
            guard now >= openedAt.adding(milliseconds: openDurationMilliseconds) else { return false }
            state = .halfOpen
            trialInFlight = true
            return true
        case .halfOpen:
            guard !trialInFlight else { return false }
            trialInFlight = true
            return true
        }
    }

    package mutating func recordSuccess() {
        state = .closed
        consecutiveFailures = 0
        trialInFlight = false
    }

    package mutating func recordFailure(at now: Timestamp) {
        trialInFlight = false
        consecutiveFailures += 1
        if state == .halfOpen || consecutiveFailures >= failureThreshold {
            state = .open
            openedAt = now
        }
    }
}
