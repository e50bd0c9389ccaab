import Foundation
import HTTPTypes
import Hummingbird
import PaymentGateway
import ShopContract
import ShopDomain
import ShopMetrics
import ShopStore
import ShopSupport

/// Orders: customers place, read and cancel their own; admins read any and refund.
struct OrdersController {
    let repository: any ShopRepository
    let clock: any ShopClock
    let payments: PaymentProcessor
    let metrics: ShopMetrics

    var routes: RouteCollection<ShopRequestContext> {
        RouteCollection(context: ShopRequestContext.self)
            .on(.placeOrder, use: place)
            .on(.listOrders, use: list)
            .on(.getOrder, use: get)
            .on(.cancelOrder, use: cancel)
            .on(.refundOrder, use: refund)
            .on(.getPayment, use: payment)
    }

    /// `POST /v1/orders`: reserves the stock, records the order and its payment, answers 201 (or, for a
    /// replayed Idempotency-Key, the first answer again).
    @Sendable func place(_ request: Request, _ context: ShopRequestContext, _ principal: Principal) async throws -> EditedResponse<OrderBody> {
        let placed: PlacedOrder
        do {
            let key = try idempotencyKey(request)
            let body = try await request.decodeJSON(PlaceOrderBody.self, context: context)
            let orderRequest = try OrderRequest(validating: body.requestedItems)
            placed = try await repository.placeOrder(orderRequest, customerID: principal.subject, idempotencyKey: key, at: clock.now())
        } catch {
            if case ShopError.insufficientStock = error {
                metrics.orderPlaced(.insufficientStock)
            } else if error is ShopError || error is HTTPProblem {
                metrics.orderPlaced(.rejected)
            }
            throw error
        }
        metrics.orderPlaced(placed.replayed ? .replayed : .created, valueMinorUnits: placed.replayed ? nil : placed.order.total.minorUnits)
        if !placed.replayed { payments.notify() }
        var headers: HTTPFields = [.location: APIRoute.getOrder.path(placed.order.id)]
        if placed.replayed { headers[.idempotentReplayed] = "true" }
        return EditedResponse(status: .created, headers: headers, response: OrderBody(placed.order))
    }

    /// `GET /v1/orders`: the caller's orders, newest first, a page at a time.
    @Sendable func list(_ request: Request, _: ShopRequestContext, _ principal: Principal) async throws -> PageBody<OrderBody> {
        let page = try await repository.orders(customerID: principal.subject, try request.pageRequest())
        return PageBody(items: page.items.map(OrderBody.init), nextCursor: page.nextCursor)
    }

    /// `GET /v1/orders/{id}`.
    @Sendable func get(_: Request, _ context: ShopRequestContext, _ principal: Principal) async throws -> OrderBody {
        return OrderBody(try await visibleOrder(context, principal))
    }

    /// `POST /v1/orders/{id}/cancel`: releases the stock; a paid order is refunded in the background.
    @Sendable func cancel(_: Request, _ context: ShopRequestContext, _ principal: Principal) async throws -> OrderBody {
        let order = try await visibleOrder(context, principal)
        let cancelled = try await close(order, as: .cancelled, by: principal)
        payments.notify()  // a paid order is refunded in the background
        return OrderBody(cancelled)
    }

    /// `POST /v1/orders/{id}/refund` (admins).
    @Sendable func refund(_: Request, _ context: ShopRequestContext, _ principal: Principal) async throws -> OrderBody {
        let order = try await visibleOrder(context, principal)
        let refunded = try await close(order, as: .refunded, by: principal)
        payments.notify()
        return OrderBody(refunded)
    }

    /// `GET /v1/orders/{id}/payment`.
    @Sendable func payment(_: Request, _ context: ShopRequestContext, _ principal: Principal) async throws -> PaymentBody {
        let order = try await visibleOrder(context, principal)
        return PaymentBody(try await repository.payment(orderID: order.id))
    }

    private func close(_ order: Order, as target: OrderStatus, by principal: Principal) async throws -> Order {
        do {
            let closed = try await repository.closeOrder(id: order.id, as: target, by: principal, at: clock.now())
            metrics.orderClosed(to: target.rawValue, .ok)
            return closed
        } catch let error as ShopError {
            if case .invalidState = error { metrics.orderClosed(to: target.rawValue, .invalidState) }
            throw error
        }
    }

    /// The order named in the path if the caller may see it; someone else's order is a 404, so ids cannot be probed.
    private func visibleOrder(_ context: ShopRequestContext, _ principal: Principal) async throws -> Order {
        let id = context.parameters.get("id") ?? ""
        guard Identifier.isWellFormed(id) else { throw ShopError.notFound(resource: "order", id: id) }
        let order = try await repository.order(id: id)
        guard principal.mayRead(orderOwnedBy: order.customerID) else { throw ShopError.notFound(resource: "order", id: id) }
        return order
    }

    private func idempotencyKey(_ request: Request) throws -> String? {
        guard let key = request.headers[.idempotencyKey] else { return nil }
        guard (1...Limits.maxIdempotencyKeyLength).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw HTTPProblem.invalidHeader(name: "Idempotency-Key", reason: "must be 1-\(Limits.maxIdempotencyKeyLength) visible ASCII characters")
        }
        return key
    }
}

extension HTTPField.Name {
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}
