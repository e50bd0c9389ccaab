/// A rate multiplier over the profile's own clock, in seconds: piecewise-linear through its points, with
/// steps where two points share a time (the later one holds from then on). Its integral and the inverse
/// of that integral are exact, which is what lets a schedule place arrivals ahead of time.
package struct RateCurve: Sendable, Equatable {
    package struct Point: Sendable, Equatable {
        package var time: Double
        package var value: Double
        package init(_ time: Double, _ value: Double) {
            self.time = time
            self.value = value
        }
    }

    /// Sorted by time, the first at 0 and the last at `duration`.
    package let points: [Point]
    /// The integral from 0 to each point.
    private let cumulative: [Double]

    package var duration: Double { points[points.count - 1].time }
    package var maximum: Double { points.map(\.value).max() ?? 0 }
    package var total: Double { cumulative[cumulative.count - 1] }

    /// Points sorted by time from 0; the curve holds its last value up to `duration` when that is later.
    package init(points unsorted: [Point], duration: Double? = nil) {
        var points = unsorted.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        if points.isEmpty { points = [Point(0, 1)] }
        if points[0].time > 0 { points.insert(Point(0, points[0].value), at: 0) }
        let end = duration ?? points[points.count - 1].time
        points = points.filter { $0.time <= end }
        if points[points.count - 1].time < end { points.append(Point(end, points[points.count - 1].value)) }
        self.points = points
        var cumulative = [0.0]
        cumulative.reserveCapacity(points.count)
        for index in 1..<max(points.count, 1) {
            let (a, b) = (points[index - 1], points[index])
            cumulative.append(cumulative[index - 1] + (b.time - a.time) * (a.value + b.value) / 2)
        }
        self.cumulative = cumulative
    }

    package static func constant(_ value: Double, duration: Double) -> RateCurve {
        RateCurve(points: [Point(0, value), Point(duration, value)])
    }

    /// The index of the segment holding `time`: the last point at or before it (the right-hand side of a step).
    private func segment(at time: Double) -> Int {
        var low = 0, high = points.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if points[middle].time <= time { low = middle } else { high = middle - 1 }
        }
        return min(low, points.count - 2)
    }

    package func value(at time: Double) -> Double {
        guard points.count > 1 else { return points[0].value }
        let clamped = min(max(time, 0), duration)
        let index = segment(at: clamped)
        let (a, b) = (points[index], points[index + 1])
        guard b.time > a.time else { return b.value }
        return a.value + (b.value - a.value) * (clamped - a.time) / (b.time - a.time)
    }

    /// ∫₀ᵗ value, exactly.
    package func integral(to time: Double) -> Double {
        guard points.count > 1 else { return 0 }
        let clamped = min(max(time, 0), duration)
        let index = segment(at: clamped)
        let a = points[index]
        return cumulative[index] + (clamped - a.time) * (a.value + value(at: clamped)) / 2
    }

    package func integral(from start: Double, to end: Double) -> Double { integral(to: end) - integral(to: start) }

    /// The time at which the integral reaches `area`, or nil past the end.
    package func time(atIntegral area: Double) -> Double? {
        // Rounding may leave the last arrival a hair past the total: it is still inside.
        guard area >= 0, area <= total + max(total, 1) * 1e-12, points.count > 1 else { return area == 0 ? 0 : nil }
        let area = min(area, total)
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if cumulative[middle] <= area { low = middle } else { high = middle - 1 }
        }
        let index = min(low, points.count - 2)
        let (a, b) = (points[index], points[index + 1])
        let width = b.time - a.time
        let rest = area - cumulative[index]
        guard width > 0, rest > 0 else { return a.time }
        // rest = v0·x + (v1 − v0)/(2w)·x², solved in the form that stays exact as the slope goes to 0.
        let slope = (b.value - a.value) / width
        let discriminant = max(a.value * a.value + 2 * slope * rest, 0)
        let denominator = a.value + discriminant.squareRoot()
        guard denominator > 0 else { return b.time }
        return min(a.time + 2 * rest / denominator, b.time)
    }

    /// This curve times `other`, pointwise, over this curve's duration. Exact where at most one of the two
    /// slopes in a segment is not zero (steps times ramps); otherwise linear between the merged points.
    package func multiplied(by other: RateCurve) -> RateCurve {
        let times = Set(points.map(\.time) + other.points.map(\.time).filter { $0 <= duration }).sorted()
        var merged: [Point] = []
        merged.reserveCapacity(times.count * 2)
        for time in times {
            let left = leftLimit(at: time) * other.leftLimit(at: time)
            let right = value(at: time) * other.value(at: time)
            if time > 0, left != right { merged.append(Point(time, left)) }
            merged.append(Point(time, right))
        }
        return RateCurve(points: merged, duration: duration)
    }

    /// The value just before `time` (differs from `value(at:)` at a step).
    func leftLimit(at time: Double) -> Double {
        guard time > 0, time <= duration else { return value(at: time) }
        // The first point at `time` closes the segment arriving there.
        var low = 0, high = points.count - 1
        while low < high {
            let middle = (low + high) / 2
            if points[middle].time < time { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return points[low].value }
        let (a, b) = (points[low - 1], points[low])
        guard b.time > a.time else { return b.value }
        return a.value + (b.value - a.value) * (time - a.time) / (b.time - a.time)
    }

    /// This curve, scaled by `factor`.
    package func scaled(by factor: Double) -> RateCurve {
        RateCurve(points: points.map { Point($0.time, $0.value * factor) }, duration: duration)
    }

    /// `pattern` (one period from 0) repeated from 0 to `duration`.
    package static func repeating(_ pattern: RateCurve, over duration: Double) -> RateCurve {
        var points: [Point] = []
        var offset = 0.0
        while offset < duration {
            for point in pattern.points where offset + point.time <= duration { points.append(Point(offset + point.time, point.value)) }
            offset += pattern.duration
        }
        return RateCurve(points: points, duration: duration)
    }
}
