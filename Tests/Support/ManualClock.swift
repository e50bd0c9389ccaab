import ShopDomain
import ShopSupport
import Synchronization

/// A clock tests move by hand.
package final class ManualClock: ShopClock {
    private let current: Mutex<Timestamp>

    package init(_ start: Timestamp = Timestamp(millisecondsSinceEpoch: 1_795_000_000_000)) {
        current = Mutex(start)
    }

    package func now() -> Timestamp { current.withLock { $0 } }

    package func advance(milliseconds: Int64) {
        current.withLock { $0 = $0.adding(milliseconds: milliseconds) }
    }
}
