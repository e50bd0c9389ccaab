import Foundation

/// Where a capacity search tries next, from the verdicts so far: up by doubling from the first rate until a
/// step fails (or the ceiling holds), down by halving until one holds (or the floor fails), then bisecting
/// between the highest that held and the lowest that failed until they are within `precision` of each
/// other. Pure: the steps themselves are the caller's.
package struct CapacityBisection: Sendable, Equatable {
    package private(set) var highestHeld: Double?
    package private(set) var lowestFailed: Double?
    /// The rate to try next; nil once the search is over.
    package private(set) var next: Double?
    let ceiling: Double
    let floor: Double
    let precision: Double

    /// Starts at `from` (requests per second at the profile's peak), never above `ceiling` nor below
    /// `floor`; done once the bracket's width is at most `precision` of its lower end.
    package init(from: Double, ceiling: Double, floor: Double, precision: Double) {
        self.ceiling = ceiling
        self.floor = floor
        self.precision = precision
        next = min(max(from, floor), ceiling)
    }

    package var isDone: Bool { next == nil }

    /// The verdict of a step at `rate`.
    package mutating func record(_ rate: Double, held: Bool) {
        if held {
            highestHeld = max(highestHeld ?? rate, rate)
        } else {
            lowestFailed = min(lowestFailed ?? rate, rate)
        }
        switch (highestHeld, lowestFailed) {
        case (let held?, nil):
            next = held >= ceiling ? nil : min(held * 2, ceiling)
        case (nil, let failed?):
            next = failed <= floor ? nil : max(failed / 2, floor)
        case (let held?, let failed?):
            // Every rate tried lies inside the bracket so far, so held < failed.
            next = (failed - held) <= precision * held ? nil : Self.rounded((held + failed) / 2)
        case (nil, nil):
            next = nil
        }
    }

    /// Three significant digits: a rate nobody reads as more precise than the machine's noise allows.
    static func rounded(_ rate: Double) -> Double {
        guard rate > 0 else { return rate }
        let scale = pow(10, 2 - log10(rate).rounded(.down))
        return (rate * scale).rounded() / scale
    }
}
