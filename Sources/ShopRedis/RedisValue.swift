/// One Redis reply (RESP2, what hiredis 0.14 speaks).
package enum RedisValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case array([RedisValue])
    case null
    /// A simple status such as `OK`.
    case status(String)
    /// An error reply, such as `WRONGTYPE …`: the command failed, the connection is fine.
    case error(String)

    package var string: String? {
        switch self {
        case .string(let value), .status(let value): value
        default: nil
        }
    }

    package var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .string(let value): Int64(value)
        default: nil
        }
    }

    package var array: [RedisValue]? {
        if case .array(let values) = self { values } else { nil }
    }
}

/// What can go wrong talking to Redis. `unavailable` and `timeout` mean the connection is gone and the
/// caller should fall back; `reply` means Redis answered with an error to a well-delivered command.
package enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    case unavailable(String)
    case timeout
    case reply(String)
    case invalidURL(String)

    package var description: String {
        switch self {
        case .unavailable(let reason): "Redis is unavailable: \(reason)"
        case .timeout: "Redis did not answer in time"
        case .reply(let message): "Redis answered with an error: \(message)"
        case .invalidURL(let reason): "invalid Redis URL: \(reason)"
        }
    }
}
