/// The traffic shapes of the brief (§1) as rate multipliers, for profiles to name instead of spelling out.
/// Every shape starts on a Monday at 00:00 on January 1st, and 1 is a normal day's average rate.
package enum Shape: String, Sendable, CaseIterable {
    case constant, daily, weekly, seasonal

    package static let hour = 3_600.0
    package static let day = 86_400.0
    package static let week = 7 * day
    package static let year = 365 * day

    /// Share of a day's traffic per hour, in percent, before normalising. The brief gives ranges that overlap
    /// and leaves hours out: 06–09 carries its "≈10%" spread over three hours; each two-hour range splits
    /// evenly; an hour left out (11, 13, 16, 19) takes the mean of its neighbours; the night's "<1%" is 0.15%
    /// an hour. Normalised, the 09–11 peak is 2.62× the day's average and the night 0.026×.
    package static let hourlyShares: [Double] = [
        0.15, 0.15, 0.15, 0.15, 0.15, 0.15,  // 00–06 night
        3.3, 3.3, 3.4,  // 06–09 early risers
        15, 15,  // 09–11 workday peak
        10,  // 11 between the peak and lunch
        5,  // 12–13 lunch dip
        8.75,  // 13
        12.5, 12.5,  // 14–16 afternoon peak
        11.25,  // 16
        10, 10,  // 17–19 evening orders
        6.25,  // 19
        2.5, 2.5, 2.5, 2.5,  // 20–24 late orders
    ]

    /// Monday is the week's peak (catch-up after the weekend, +20% as an assumption: the brief gives no
    /// figure), Tuesday to Thursday normal, Friday −5%, the weekend +10%.
    package static let weekdayMultipliers: [Double] = [1.2, 1, 1, 1, 0.95, 1.1, 1.1]

    /// January (New Year peak, +30% as an assumption), then the brief's figures month by month.
    package static let monthMultipliers: [Double] = [1.3, 1, 1, 1, 1.5, 0.9, 0.85, 1, 1.3, 1, 2, 3]
    package static let monthDays: [Double] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// One period of the shape.
    package var period: RateCurve {
        switch self {
        case .constant: return .constant(1, duration: Self.day)
        case .daily:
            let total = Self.hourlyShares.reduce(0, +)
            return Self.steps(Self.hourlyShares.map { $0 / total * 24 }, width: Self.hour)
        case .weekly:
            return RateCurve.repeating(Shape.daily.period, over: Self.week).multiplied(by: Self.steps(Self.weekdayMultipliers, width: Self.day))
        case .seasonal:
            var points: [RateCurve.Point] = []
            var start = 0.0
            for (multiplier, days) in zip(Self.monthMultipliers, Self.monthDays) {
                points.append(.init(start, multiplier))
                start += days * Self.day
                points.append(.init(start, multiplier))
            }
            let months = RateCurve(points: points)
            return RateCurve.repeating(Shape.weekly.period, over: Self.year).multiplied(by: months)
        }
    }

    /// The shape over `duration` seconds, its period repeated as often as it takes.
    package func curve(over duration: Double) -> RateCurve {
        RateCurve.repeating(period, over: duration)
    }

    /// A step function: `values[i]` from `i × width` to `(i + 1) × width`.
    static func steps(_ values: [Double], width: Double) -> RateCurve {
        var points: [RateCurve.Point] = []
        for (index, value) in values.enumerated() {
            points.append(.init(Double(index) * width, value))
            points.append(.init(Double(index + 1) * width, value))
        }
        return RateCurve(points: points)
    }
}
