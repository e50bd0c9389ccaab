import Prometheus
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

    /// Every outcome at zero from the start, so a ratio over them has series before the first event.
    func registerAccountSeries(_ registry: PrometheusCollectorRegistry) {
        for outcome in SignInOutcome.allCases {
            _ = registry.makeCounter(descriptor: MetricNames.signIns.descriptor, labels: [("outcome", outcome.rawValue)])
        }
        for outcome in RefreshOutcome.allCases {
            _ = registry.makeCounter(descriptor: MetricNames.refreshes.descriptor, labels: [("outcome", outcome.rawValue)])
        }
        for outcome in RegistrationOutcome.allCases {
            _ = registry.makeCounter(descriptor: MetricNames.registrations.descriptor, labels: [("outcome", outcome.rawValue)])
        }
        for outcome in SignOutOutcome.allCases {
            _ = registry.makeCounter(descriptor: MetricNames.signOuts.descriptor, labels: [("outcome", outcome.rawValue)])
        }
    }

    package func signIn(_ outcome: SignInOutcome) { count(MetricNames.signIns, [("outcome", outcome.rawValue)]) }
    package func refresh(_ outcome: RefreshOutcome) { count(MetricNames.refreshes, [("outcome", outcome.rawValue)]) }
    package func registration(_ outcome: RegistrationOutcome) { count(MetricNames.registrations, [("outcome", outcome.rawValue)]) }
    package func signOut(_ outcome: SignOutOutcome) { count(MetricNames.signOuts, [("outcome", outcome.rawValue)]) }
}
