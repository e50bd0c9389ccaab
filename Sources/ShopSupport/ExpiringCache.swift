import Synchronization

/// A bounded in-process cache whose entries expire `timeToLive` after they were stored. When full, it
/// drops every expired entry and, if still full, an arbitrary half: cheap, and good enough for a
/// catalog whose working set fits.
package final class ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        let value: Value
        let expires: Timestamp
    }

    private let entries = Mutex<[Key: Entry]>([:])
    private let timeToLiveMilliseconds: Int64
    private let capacity: Int
    private let clock: any ShopClock

    package init(timeToLiveMilliseconds: Int64, capacity: Int, clock: any ShopClock) {
        self.timeToLiveMilliseconds = timeToLiveMilliseconds
        self.capacity = max(1, capacity)
        self.clock = clock
    }

    package subscript(key: Key) -> Value? {
        let now = clock.now()
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard entry.expires > now else {
                entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    /// Stores `value` until `timeToLive` passes, or until `expiresAt` if that comes first.
    package func store(_ value: Value, for key: Key, expiresAt: Timestamp? = nil) {
        let now = clock.now()
        var expires = now.adding(milliseconds: timeToLiveMilliseconds)
        if let expiresAt, expiresAt < expires { expires = expiresAt }
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil {
                entries = entries.filter { $0.value.expires > now }
                if entries.count >= capacity {
                    entries = Dictionary(uniqueKeysWithValues: entries.prefix(capacity / 2).map { ($0.key, $0.value) })
                }
            }
            entries[key] = Entry(value: value, expires: expires)
        }
    }

    package func remove(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    package func removeAll() {
        entries.withLock { $0.removeAll() }
    }

    package var count: Int { entries.withLock { $0.count } }
}
