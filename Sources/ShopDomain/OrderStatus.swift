/// An order's life. `pending` until its payment settles; stock is released exactly once, on the
/// transition into `cancelled`, `paymentFailed` or `refunded`.
package enum OrderStatus: String, Sendable, Codable, CaseIterable {
    case pending
    case confirmed
    case paymentFailed = "payment_failed"
    case cancelled
    case refunded

    /// A customer may cancel before or after payment; a paid order is refunded by the payment processor.
    package var isCancellable: Bool { self == .pending || self == .confirmed }
    /// An admin refunds only what was paid.
    package var isRefundable: Bool { self == .confirmed }
    /// States whose entry gives the order's units back to stock.
    package var releasesStock: Bool { self == .cancelled || self == .paymentFailed || self == .refunded }
}

/// A payment's life against the gateway.
package enum PaymentStatus: String, Sendable, Codable, CaseIterable {
    /// Waiting for (another) attempt at `nextAttemptAt`. While an attempt runs the payment stays pending
    /// under a lease (`lease_until_ms`), so a crashed worker's payment is picked up again.
    case pending
    case captured
    /// The gateway said no; not retried.
    case declined
    /// Every retry failed; parked for manual review.
    case failed
    /// The order was cancelled before any capture.
    case voided
    /// A captured payment whose order was cancelled or refunded, waiting for the gateway's refund.
    case refundPending = "refund_pending"
    case refunded
}
