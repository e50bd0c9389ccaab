import LoadProfile
import Testing

@Suite("Rate curves")
struct RateCurveTests {
    let ramp = RateCurve(points: [.init(0, 1), .init(100, 3), .init(100, 0.5), .init(200, 0.5), .init(300, 2)])

    @Test func valuesFollowRampsAndSteps() {
        #expect(ramp.value(at: 50) == 2)
        #expect(ramp.value(at: 99.999) > 2.99)
        #expect(ramp.value(at: 100) == 0.5, "at a step the later value holds")
        #expect(ramp.value(at: 250) == 1.25)
        #expect(ramp.value(at: 1_000) == 2, "past the end the last value holds")
    }

    @Test func theIntegralIsTheAreaUnderTheCurve() {
        // 100 × (1 + 3) / 2 + 100 × 0.5 + 100 × (0.5 + 2) / 2
        #expect(ramp.total == 200 + 50 + 125)
        #expect(ramp.integral(to: 50) == 50 * (1 + 2) / 2)
        #expect(ramp.integral(from: 100, to: 200) == 50)
    }

    @Test func theInverseOfTheIntegralFindsTheTime() {
        for time in stride(from: 0.0, through: 300, by: 7.3) {
            let area = ramp.integral(to: time)
            let found = ramp.time(atIntegral: area)!
            #expect(abs(found - time) < 1e-9 || ramp.value(at: time) == 0, "\(time) → \(area) → \(found)")
        }
        #expect(ramp.time(atIntegral: ramp.total + 1) == nil)
    }

    @Test func productsOfStepsAndRampsAreExact() {
        let steps = RateCurve(points: [.init(0, 2), .init(150, 2), .init(150, 4), .init(300, 4)])
        let product = ramp.multiplied(by: steps)
        for time in stride(from: 0.0, to: 300, by: 12.5) {
            #expect(abs(product.value(at: time) - ramp.value(at: time) * steps.value(at: time)) < 1e-9, "at \(time)")
        }
        #expect(abs(product.total - (2 * ramp.integral(to: 150) + 4 * ramp.integral(from: 150, to: 300))) < 1e-9)
    }
}

@Suite("Traffic shapes")
struct ShapeTests {
    @Test func aDayAveragesOneAndPeaksMidMorning() {
        let day = Shape.daily.period
        #expect(abs(day.total - Shape.day) < 1e-6, "the shares are normalised: the day's mean multiplier is 1")
        let peak = day.value(at: 9.5 * Shape.hour)
        #expect(peak == day.maximum)
        #expect(day.value(at: 3 * Shape.hour) < 0.05)
        #expect(day.value(at: 12.5 * Shape.hour) < day.value(at: 14.5 * Shape.hour), "the lunch dip")
    }

    @Test func aWeekWeighsItsDays() {
        let week = Shape.weekly.period
        #expect(abs(week.total - Shape.weekdayMultipliers.reduce(0, +) * Shape.day) < 1e-3)
        #expect(week.value(at: 9.5 * Shape.hour) == 1.2 * Shape.daily.period.value(at: 9.5 * Shape.hour), "Monday")
        #expect(week.value(at: 4 * Shape.day + 9.5 * Shape.hour) == 0.95 * Shape.daily.period.value(at: 9.5 * Shape.hour), "Friday")
    }

    @Test func aYearWeighsItsMonths() {
        let year = Shape.seasonal.period
        let morning = 9.5 * Shape.hour
        let dayOfYear = { (month: Int, day: Int) in (Shape.monthDays.prefix(month).reduce(0, +) + Double(day)) * Shape.day }
        // 1 January is a Monday; so is 26 November (day 329 = 47 weeks).
        #expect(year.value(at: dayOfYear(0, 0) + morning) == 1.3 * Shape.weekly.period.value(at: morning))
        #expect(year.value(at: dayOfYear(10, 25) + morning) == 2 * Shape.weekly.period.value(at: morning))
        #expect(abs(year.duration - Shape.year) < 1e-6)
    }
}
