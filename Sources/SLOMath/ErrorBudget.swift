/// An objective over a period and what its error budget comes to.
package struct ErrorBudget: Sendable, Equatable {
    /// The good share to reach, 0.999 for 99.9%.
    package var objective: Double
    /// Seconds.
    package var period: Double

    package init(objective: Double, period: Double) {
        self.objective = objective
        self.period = period
    }

    /// The bad share allowed: 1 − objective.
    package var budget: Double { 1 - objective }

    /// Observed error ratio ÷ budget: 1 spends the budget exactly over the period.
    package func burnRate(errorRatio: Double) -> Double { budget > 0 ? errorRatio / budget : .infinity }

    /// The budget's standing after `bad` of `total` requests in the period so far.
    package func standing(bad: Double, total: Double) -> Standing {
        let allowed = budget * total
        let spent = allowed > 0 ? bad / allowed : (bad > 0 ? .infinity : 0)
        return Standing(allowedRequests: allowed, badRequests: bad, spent: spent, budget: budget, period: period)
    }

    package struct Standing: Sendable, Equatable {
        /// Bad requests the budget allows for the traffic seen.
        package var allowedRequests: Double
        package var badRequests: Double
        /// Share of the budget spent (above 1 when overspent).
        package var spent: Double
        package var budget: Double
        package var period: Double

        package var left: Double { 1 - spent }
        package var leftRequests: Double { allowedRequests - badRequests }
        /// The budget left as minutes of full outage over the period: everything failing for that long
        /// would spend it.
        package var leftOutageMinutes: Double { max(left, 0) * budget * period / 60 }

        /// Seconds until the budget is gone at `burnRate` (burn 1 spends a whole budget in a period); nil
        /// when it is not burning or already spent.
        package func timeToExhaustion(burnRate: Double) -> Double? {
            guard burnRate > 0, left > 0 else { return nil }
            return left * period / burnRate
        }
    }
}
