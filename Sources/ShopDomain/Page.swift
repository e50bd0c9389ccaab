import Foundation

/// One page of a listing and the opaque cursor for the next one (nil on the last page).
package struct Page<Item: Sendable>: Sendable {
    package let items: [Item]
    package let nextCursor: String?

    package init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// A listing request: how many items, and after which key. The cursor is the last key of the previous
/// page in URL-safe base64, so clients treat it as opaque and the stores page by key, not by offset.
package struct PageRequest: Sendable, Equatable {
    package let limit: Int
    package let afterKey: String?

    package init(limit: Int, afterKey: String?) {
        self.limit = limit
        self.afterKey = afterKey
    }

    /// Parses the `limit` and `cursor` query parameters.
    package init(limit: String?, cursor: String?) throws(ShopError) {
        var issues: [FieldIssue] = []
        var pageSize = Limits.defaultPageSize
        if let limit {
            if let value = Int(limit), (1...Limits.maxPageSize).contains(value) {
                pageSize = value
            } else {
                issues.append(FieldIssue(field: "limit", message: "must be an integer between 1 and \(Limits.maxPageSize)"))
            }
        }
        var key: String?
        if let cursor {
            if let decoded = Self.decode(cursor) {
                key = decoded
            } else {
                issues.append(FieldIssue(field: "cursor", message: "is not a cursor this API returned"))
            }
        }
        guard issues.isEmpty else { throw .validation(issues) }
        self.init(limit: pageSize, afterKey: key)
    }

    package static func cursor(after key: String) -> String {
        Data(key.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> String? {
        guard cursor.utf8.count <= 344 else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), !data.isEmpty,
            let key = String(data: data, encoding: .utf8), Self.cursor(after: key) == cursor
        else { return nil }
        return key
    }
}
