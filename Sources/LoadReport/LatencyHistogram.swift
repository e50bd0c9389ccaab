import Histogram

/// Latencies in microseconds, 1 µs to 60 s, three significant digits (0.1% resolution). Every histogram of a
/// run has this one configuration, so any two merge exactly, bucket by bucket.
package enum LatencyHistogram {
    package static let highest: UInt64 = 60_000_000

    package static func make() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highest, numberOfSignificantValueDigits: .three)
    }

    /// Records `nanoseconds`, clamped into the trackable range (a minute-long wait reads as a minute).
    package static func record(_ nanoseconds: Int64, in histogram: inout Histogram<UInt64>) {
        let microseconds = UInt64(max(nanoseconds, 1_000) / 1_000)
        _ = histogram.record(min(microseconds, highest))
    }
}

/// A histogram as the result file stores it: only the buckets that counted, each as
/// `[value in µs, count]`. Rebuilt into a histogram of the same configuration it is the same histogram.
package struct SparseHistogram: Codable, Sendable, Equatable {
    package var counts: [[UInt64]]

    package init(counts: [[UInt64]] = []) { self.counts = counts }

    package init(_ histogram: Histogram<UInt64>) {
        counts = histogram.recordedValues().map { [$0.value, $0.count] }
    }

    package var histogram: Histogram<UInt64> {
        var histogram = LatencyHistogram.make()
        add(to: &histogram)
        return histogram
    }

    /// Adds these counts to `histogram`, of the run's one configuration: the same as adding `self.histogram`,
    /// without making a full histogram for it first.
    package func add(to histogram: inout Histogram<UInt64>) {
        for pair in counts where pair.count == 2 { _ = histogram.record(min(pair[0], LatencyHistogram.highest), count: pair[1]) }
    }

    private enum CodingKeys: String, CodingKey { case counts }

    // The synthesised form, written out: encoding `[[UInt64]]` as nested Encodable values took JSONEncoder's
    // generic path for every pair, most of the time it took to write a result file.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var pairs = container.nestedUnkeyedContainer(forKey: .counts)
        for pair in counts {
            var values = pairs.nestedUnkeyedContainer()
            for value in pair { try values.encode(value) }
        }
    }

    package var isEmpty: Bool { counts.isEmpty }
}
