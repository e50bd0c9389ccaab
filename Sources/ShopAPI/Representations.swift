import Hummingbird
import ShopContract
import ShopDomain
import ShopStore
import ShopSupport

// The contract's bodies, answered by Hummingbird as JSON.
extension ProductBody: ResponseEncodable {}
extension StockBody: ResponseEncodable {}
extension OrderBody: ResponseEncodable {}
extension PaymentBody: ResponseEncodable {}
extension PageBody: ResponseEncodable {}
extension AccountBody: ResponseEncodable {}
extension TokenPairBody: ResponseEncodable {}
extension StatusBody: ResponseEncodable {}
extension FaultsBody: ResponseEncodable {}

extension PaymentBody {
    /// A stored payment as its route answers it: the next attempt only while one is due.
    init(_ payment: Payment) {
        self.init(
            id: payment.id, orderId: payment.orderID, status: payment.status.rawValue, amount: MoneyBody(payment.amount),
            attempts: payment.attempts,
            nextAttemptAt: payment.status == .pending || payment.status == .refundPending ? payment.nextAttemptAt.rfc3339 : nil,
            lastError: payment.lastError, updatedAt: payment.updatedAt.rfc3339)
    }
}
