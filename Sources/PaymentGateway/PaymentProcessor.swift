import Logging
import ServiceLifecycle
import ShopDomain
import ShopMetrics
import ShopStore
import Synchronization
import Tracing

/// Settles payments in the background so that placing an order never waits on the gateway: wakes when an
/// order is placed and on a timer, leases due payments, charges or refunds them, and records the outcome.
/// Retryable failures are tried again on the retry policy's schedule, then parked as `failed`.
public final class PaymentProcessor: Service, Sendable {
    public struct Settings: Sendable {
        public var retryPolicy: RetryPolicy
        public var pollInterval: Duration
        public var batchSize: Int
        /// How long one attempt may hold a payment before another worker may take it.
        public var leaseMilliseconds: Int64

        public init(retryPolicy: RetryPolicy = .sourceDesign, pollInterval: Duration = .seconds(1), batchSize: Int = 32, leaseMilliseconds: Int64 = 30_000) {
            self.retryPolicy = retryPolicy
            self.pollInterval = pollInterval
            self.batchSize = batchSize
            self.leaseMilliseconds = leaseMilliseconds
        }
    }

    private let repository: any ShopRepository
    private let gateway: PaymentGatewayClient
    private let clock: any ShopClock
    private let settings: Settings
    private let metrics: ShopMetrics
    private let logger: Logger
    /// Set once the store has its schema: passes before that (start-up runs the migrations while this
    /// service starts) do nothing instead of warning about missing tables.
    private let storeReady = Atomic<Bool>(false)
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    public init(
        repository: any ShopRepository, gateway: PaymentGatewayClient, clock: any ShopClock, settings: Settings,
        metrics: ShopMetrics, logger: Logger
    ) {
        self.metrics = metrics
        self.repository = repository
        self.gateway = gateway
        self.clock = clock
        self.settings = settings
        self.logger = logger
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a pass now, e.g. right after an order is placed.
    public func notify() {
        wake.yield()
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: self.settings.pollInterval)
                    self.wake.yield()
                }
            }
            group.addTask {
                for await _ in self.wakeups.cancelOnGracefulShutdown() {
                    await self.settleDuePayments()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Settles every due payment, a batch at a time, attempts within a batch running concurrently.
    public func settleDuePayments() async {
        if !storeReady.load(ordering: .acquiring) {
            guard await repository.isReady() else { return }
            storeReady.store(true, ordering: .releasing)
        }
        while !Task.isCancelled {
            let due: [Payment]
            do {
                due = try await repository.claimDuePayments(limit: settings.batchSize, leaseMilliseconds: settings.leaseMilliseconds, at: clock.now())
            } catch {
                logger.warning("could not claim due payments", metadata: ["error": "\(error)"])
                return
            }
            await withTaskGroup(of: Void.self) { group in
                for payment in due {
                    group.addTask { await self.attempt(payment) }
                }
            }
            if due.count < settings.batchSize { return }
        }
    }

    /// One attempt, in a span that continues the trace of the request that placed the order.
    private func attempt(_ payment: Payment) async {
        await withSpan(payment.status == .refundPending ? "refund payment" : "settle payment", context: StoredTrace.context(payment.traceParent), ofKind: .consumer) { span in
            span.attributes["shop.payment.id"] = payment.id
            span.attributes["shop.payment.attempt"] = payment.attempts
            await settle(payment)
        }
    }

    private func settle(_ payment: Payment) async {
        let result: GatewayResult
        if payment.status == .refundPending {
            result = await gateway.refund(paymentID: payment.id, reference: payment.gatewayReference ?? "")
        } else {
            result = await gateway.charge(paymentID: payment.id, amount: payment.amount)
        }
        let outcome: PaymentOutcome
        switch result {
        case .captured(let reference): outcome = .captured(reference: reference)
        case .refunded(let reference): outcome = .refunded(reference: reference)
        case .declined(let reason): outcome = .declined(reason: reason)
        case .permanent(let error): outcome = .failed(error: error)
        case .retryable(let error):
            if let delay = settings.retryPolicy.delayMilliseconds(afterFailedAttempts: payment.attempts, jitter: Double.random(in: 0...1)) {
                outcome = .retry(error: error, nextAttemptAt: clock.now().adding(milliseconds: delay))
            } else {
                outcome = .failed(error: "\(payment.attempts) attempts failed, last: \(error)")
            }
        }
        switch outcome {
        case .captured: metrics.payment(.captured)
        case .declined: metrics.payment(.declined)
        case .failed: metrics.payment(.error)
        case .retry: metrics.payment(.retried)
        case .refunded: metrics.payment(.refunded)
        }
        do {
            try await repository.recordPaymentOutcome(payment, outcome, at: clock.now())
            logger.info("payment attempt", metadata: ["payment_id": "\(payment.id)", "order_id": "\(payment.orderID)", "outcome": "\(outcome)"])
        } catch {
            // The lease runs out and the payment is attempted again under the same idempotency key.
            logger.error("could not record payment outcome", metadata: ["payment_id": "\(payment.id)", "error": "\(error)"])
        }
    }
}
