import ShopAuth
import ShopCache
import ShopDomain

/// Failed sign-ins per account and per client address, through the rate limiter (Redis when configured,
/// so every instance sees the same counts; in-process otherwise). The account's key is its email's
/// digest, so no address lands in Redis; an unknown email is throttled like a known one, so a 429 tells
/// nothing about whether the account exists.
struct SignInThrottle: Sendable {
    let limiter: RateLimiter
    /// Nil: no throttling (rate limits off).
    let limit: RateLimit?

    func rules(email: EmailAddress, address: String?) -> [RateLimitRule] {
        guard let limit else { return [] }
        var rules = [RateLimitRule(scope: "sign-in", key: "sign-in:account:" + email.digest, limit: limit)]
        if let address { rules.append(RateLimitRule(scope: "sign-in", key: "sign-in:ip:" + address, limit: limit)) }
        return rules
    }

    /// Counts an attempt; the 429 to answer when a limit is used up.
    func attempt(_ rules: [RateLimitRule]) async -> HTTPProblem? {
        guard let (_, decision) = await limiter.check(rules), case .limited(let limit, let retryAfter, let reset) = decision else { return nil }
        return RateLimitMiddleware.refusal(scope: "sign-in", limit: limit, retryAfterMicroseconds: retryAfter, resetMicroseconds: reset)
    }

    /// Gives a successful attempt back: only failures add up.
    func succeeded(_ rules: [RateLimitRule]) async { await limiter.refund(rules) }
}
