import ShopContract

/// Sign-ins, refreshes, registrations and sign-outs, each by a bounded outcome.
extension ShopMetrics {
    package enum SignInOutcome: String, Sendable, CaseIterable {
        /// No such account and a wrong password are one outcome, as they are one answer.
        case success, failed, disabled, throttled
    }

    package enum RefreshOutcome: String, Sendable, CaseIterable {
        /// `reused`: a rotated token presented again, so its whole family was revoked (RFC 9700 §4.14.2).
        case rotated, reused, invalid, expired, disabled
    }

    package enum RegistrationOutcome: String, Sendable, CaseIterable {
        /// `rejected`: the email or the password broke a rule.
        case created, exists, rejected
    }

    package enum SignOutOutcome: String, Sendable, CaseIterable {
        case revoked, unknown
    }

    package func signIn(_ outcome: SignInOutcome) { count(MetricNames.signIns, [("outcome", outcome.rawValue)]) }
    package func refresh(_ outcome: RefreshOutcome) { count(MetricNames.refreshes, [("outcome", outcome.rawValue)]) }
    package func registration(_ outcome: RegistrationOutcome) { count(MetricNames.registrations, [("outcome", outcome.rawValue)]) }
    package func signOut(_ outcome: SignOutOutcome) { count(MetricNames.signOuts, [("outcome", outcome.rawValue)]) }
}
