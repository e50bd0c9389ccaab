import Logging
import PaymentGateway
import ServiceLifecycle
import ShopDomain
import ShopMetrics
import ShopStore
import ShopSupport
import Synchronization
import Tracing

/// Settles payments in the background so that placing an order never waits on the gateway: wakes when an
/// order is placed and on a timer, leases due payments, charges or refunds them, and records the outcome.
/// Retryable failures are tried again on the retry policy's schedule, then parked as `failed`.
package final class PaymentProcessor: Service, Sendable {
    package struct Settings: Sendable {
        package var retryPolicy: RetryPolicy
        package var pollInterval: Duration
        /// Payments claimed in one statement.
        package var batchSize: Int
        /// Attempts in flight at once: claims stop while this many are out.
        package var window: Int
        /// How long one attempt may hold a payment before another worker may take it.
        package var leaseMilliseconds: Int64

        package init(
            retryPolicy: RetryPolicy = .sourceDesign, pollInterval: Duration = .seconds(1), batchSize: Int = 32, window: Int = 128,
            leaseMilliseconds: Int64 = 30_000
        ) {
            self.retryPolicy = retryPolicy
            self.pollInterval = pollInterval
            self.batchSize = batchSize
            self.window = max(window, batchSize)
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

    package init(
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
    package func notify() {
        wake.yield()
    }

    package func run() async throws {
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

    /// Settles every due payment: keeps up to `window` attempts in flight, claiming `batchSize` more whenever
    /// there is room for them, and records outcomes as they come, all those that finished while the last
    /// record was being written in one round trip (a group commit). A barrier per batch left the gateway
    /// idle while a batch's slowest attempt finished, and one transaction per outcome cost five round trips.
    /// Claims overlap too (room is reserved for each claim under way): one claim at a time waited about
    /// 50 ms per claim under an order flood, which capped settlement at 32 per wait, near 700 payments/s
    /// beside 1,300 orders/s (`benchmarks/settlement-drain`).
    package func settleDuePayments() async {
        if !storeReady.load(ordering: .acquiring) {
            guard await repository.isReady() else { return }
            storeReady.store(true, ordering: .releasing)
        }
        enum Event: Sendable {
            case claimed([Payment])
            case claimFailed
            case attempted(Payment, PaymentOutcome)
            case recorded
        }
        await withTaskGroup(of: Event.self) { group in
            var inFlight = 0
            var claiming = 0
            var recording = false
            var settled: [(Payment, PaymentOutcome)] = []
            var exhausted = false
            // Claims overlap only once one came back full: an idle poll costs one statement, not four.
            var backlog = false
            while true {
                while !exhausted, !Task.isCancelled, claiming == 0 || backlog,
                    settings.window - inFlight - claiming * settings.batchSize >= settings.batchSize
                {
                    claiming += 1
                    group.addTask {
                        do {
                            return .claimed(
                                try await self.repository.claimDuePayments(
                                    limit: self.settings.batchSize, leaseMilliseconds: self.settings.leaseMilliseconds, at: self.clock.now()))
                        } catch {
                            self.logger.warning("could not claim due payments", metadata: ["error": "\(error)"])
                            return .claimFailed
                        }
                    }
                }
                if !recording, !settled.isEmpty {
                    let batch = settled
                    settled = []
                    recording = true
                    group.addTask {
                        await self.record(batch)
                        return .recorded
                    }
                }
                guard inFlight > 0 || claiming > 0 || recording else { return }
                switch await group.next() {
                case .claimed(let due)?:
                    claiming -= 1
                    exhausted = exhausted || due.count < settings.batchSize
                    backlog = !exhausted
                    for payment in due {
                        group.addTask { .attempted(payment, await self.attempt(payment)) }
                    }
                    inFlight += due.count
                case .claimFailed?:
                    claiming -= 1
                    exhausted = true
                case .attempted(let payment, let outcome)?:
                    inFlight -= 1
                    settled.append((payment, outcome))
                case .recorded?:
                    recording = false
                case nil:
                    return
                }
            }
        }
    }

    /// Records a batch of outcomes in one call; should that fail, each on its own, so one bad row costs only
    /// its own outcome (whose lease then runs out and the payment is attempted again under the same
    /// idempotency key).
    private func record(_ batch: [(Payment, PaymentOutcome)]) async {
        do {
            try await repository.recordPaymentOutcomes(batch, at: clock.now())
            for (payment, outcome) in batch { logOutcome(payment, outcome) }
            return
        } catch {
            guard batch.count > 1 else {
                logger.error("could not record payment outcome", metadata: ["payment_id": "\(batch[0].0.id)", "error": "\(error)"])
                return
            }
            logger.warning(
                "could not record a batch of payment outcomes, recording them one by one", metadata: ["count": "\(batch.count)", "error": "\(error)"])
        }
        for (payment, outcome) in batch {
            do {
                try await repository.recordPaymentOutcome(payment, outcome, at: clock.now())
                logOutcome(payment, outcome)
            } catch {
                logger.error("could not record payment outcome", metadata: ["payment_id": "\(payment.id)", "error": "\(error)"])
            }
        }
    }

    private func logOutcome(_ payment: Payment, _ outcome: PaymentOutcome) {
        logger.info("payment attempt", metadata: ["payment_id": "\(payment.id)", "order_id": "\(payment.orderID)", "outcome": "\(outcome)"])
    }

    /// One attempt, in a span that continues the trace of the request that placed the order.
    private func attempt(_ payment: Payment) async -> PaymentOutcome {
        await withSpan(
            payment.status == .refundPending ? "refund payment" : "settle payment", context: StoredTrace.context(payment.traceParent),
            ofKind: .consumer
        ) { span in
            span.attributes["shop.payment.id"] = payment.id
            span.attributes["shop.payment.attempt"] = payment.attempts
            return await settle(payment)
        }
    }

    /// What the gateway made of one attempt, counted in the payment metrics.
    private func settle(_ payment: Payment) async -> PaymentOutcome {
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
        return outcome
    }
}
