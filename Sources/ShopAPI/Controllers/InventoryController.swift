import Hummingbird
import ShopContract
import ShopDomain
import ShopMetrics
import ShopStore
import ShopSupport

/// Stock levels: anyone may read them; the warehouse and admins set, adjust and pick.
struct InventoryController {
    let repository: any ShopRepository
    let clock: any ShopClock
    let metrics: ShopMetrics

    var routes: RouteCollection<ShopRequestContext> {
        RouteCollection(context: ShopRequestContext.self)
            .on(.getStock) { request, context in
                StockBody(try await repository.stock(try request.sku(context, resource: "stock")))
            }
            .on(.setStock) { request, context, principal in
                let body = try await request.decodeJSON(SetStockBody.self, context: context)
                return try await change(request, context, principal, .set(quantity: body.quantity.value, reason: body.reason))
            }
            .on(.adjustStock) { request, context, principal in
                let body = try await request.decodeJSON(AdjustStockBody.self, context: context)
                return try await change(request, context, principal, .adjust(delta: body.delta.value, reason: body.reason))
            }
            .on(.pickStock) { request, context, principal in
                let body = try await request.decodeJSON(PickStockBody.self, context: context)
                do {
                    let level = try await change(request, context, principal, .pick(quantity: body.quantity.value, reference: body.reference))
                    metrics.stockPicked(succeeded: true)
                    return level
                } catch let error as ShopError {
                    if case .insufficientStock = error { metrics.stockPicked(succeeded: false) }
                    throw error
                }
            }
    }

    private func change(_ request: Request, _ context: ShopRequestContext, _ principal: Principal, _ change: StockChange) async throws -> StockBody {
        let sku = try request.sku(context, resource: "stock")
        return StockBody(try await repository.changeStock(sku, change, by: principal, at: clock.now()))
    }
}
