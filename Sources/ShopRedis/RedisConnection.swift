import CHiredis
import Foundation

/// One hiredis connection in blocking mode with socket timeouts. Used by one pool thread at a time
/// (`RedisClient` hands it out and takes it back), hence `@unchecked Sendable`.
final class RedisConnection: @unchecked Sendable {
    private let context: UnsafeMutablePointer<redisContext>

    init(_ configuration: RedisConfiguration) throws {
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port), timeval(configuration.connectTimeout)) else {
            throw RedisError.unavailable("could not allocate a connection")
        }
        // From here on a throw runs deinit, which frees the context: never free it here as well.
        self.context = context
        if context.pointee.err != 0 {
            throw RedisError.unavailable("\(configuration.host):\(configuration.port): \(Self.message(context))")
        }
        redisSetTimeout(context, timeval(configuration.commandTimeout))
        _ = redisEnableKeepAlive(context)
        if let password = configuration.password { try checked(run([["AUTH", password]])[0]) }
        if configuration.database != 0 { try checked(run([["SELECT", String(configuration.database)]])[0]) }
    }

    deinit { redisFree(context) }

    /// Sends every command, then reads every reply: one round trip for the lot. Error replies come back as
    /// `.error` values; a broken or silent connection throws, and must not be used again.
    func run(_ commands: [[String]]) throws -> [RedisValue] {
        for command in commands {
            let status = Self.withArguments(command) { count, arguments, lengths in
                redisAppendCommandArgv(context, count, arguments, lengths)
            }
            guard status == REDIS_OK else { throw failure() }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var reply: UnsafeMutableRawPointer?
            guard redisGetReply(context, &reply) == REDIS_OK, let reply else { throw failure() }
            defer { freeReplyObject(reply) }
            replies.append(Self.value(reply.assumingMemoryBound(to: redisReply.self)))
        }
        return replies
    }

    private func checked(_ value: RedisValue) throws {
        if case .error(let message) = value { throw RedisError.reply(message) }
    }

    private func failure() -> RedisError {
        // hiredis reports a socket timeout as an I/O error with EAGAIN.
        if context.pointee.err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK) { return .timeout }
        return .unavailable(Self.message(context))
    }

    private static func message(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private static func value(_ reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let reply = reply.pointee
        func text() -> String {
            guard let pointer = reply.str else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(reply.len)), as: UTF8.self)
        }
        switch reply.type {
        case REDIS_REPLY_STRING: return .string(text())
        case REDIS_REPLY_STATUS: return .status(text())
        case REDIS_REPLY_ERROR: return .error(text())
        case REDIS_REPLY_INTEGER: return .integer(reply.integer)
        case REDIS_REPLY_ARRAY:
            return .array(
                (0..<Int(reply.elements)).map { index in
                    reply.element[index].map(value) ?? .null
                })
        default: return .null
        }
    }

    /// The command's arguments as the C arrays hiredis takes (binary-safe: lengths, not terminators), all in
    /// one buffer.
    private static func withArguments<Result>(
        _ command: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result
    ) -> Result {
        var bytes: [CChar] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        for argument in command {
            offsets.append(bytes.count)
            lengths.append(argument.utf8.count)
            bytes.append(contentsOf: argument.utf8.map { CChar(bitPattern: $0) })
        }
        bytes.append(0)  // a valid address even when the last argument is empty
        return bytes.withUnsafeBufferPointer { buffer in
            var arguments: [UnsafePointer<CChar>?] = offsets.map { buffer.baseAddress! + $0 }
            return arguments.withUnsafeMutableBufferPointer { argumentBuffer in
                lengths.withUnsafeBufferPointer { lengthBuffer in
                    body(Int32(command.count), argumentBuffer.baseAddress!, lengthBuffer.baseAddress!)
                }
            }
        }
    }
}

private func timeval(_ duration: Duration) -> Foundation.timeval {
    let (seconds, attoseconds) = duration.components
    return Foundation.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
}
