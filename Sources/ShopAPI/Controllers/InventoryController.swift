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
            .on(.getStock, use: get)
            .on(.setStock, use: set)
            .on(.adjustStock, use: adjust)
            .on(.pickStock, use: pick)
    }

    /// `GET /v1/inventory/{sku}`.
    @Sendable func get(_ request: Request, _ context: ShopRequestContext) async throws -> StockBody {
        return StockBody(try await repository.stock(try request.sku(context, resource: "stock")))
    }

    /// `PUT /v1/inventory/{sku}`: a counted quantity.
    @Sendable func set(_ request: Request, _ context: ShopRequestContext, _ principal: Principal) async throws -> StockBody {
        let body = try await request.decodeJSON(SetStockBody.self, context: context)
        return try await change(request, context, principal, .set(quantity: body.quantity.value, reason: body.reason))
    }

    /// `POST /v1/inventory/{sku}/adjustments`: a delta with its reason.
    @Sendable func adjust(_ request: Request, _ context: ShopRequestContext, _ principal: Principal) async throws -> StockBody {
        let body = try await request.decodeJSON(AdjustStockBody.self, context: context)
        return try await change(request, context, principal, .adjust(delta: body.delta.value, reason: body.reason))
    }

    /// `POST /v1/inventory/{sku}/picks`: units taken for shipping; units already gone count as a conflict.
    @Sendable func pick(_ request: Request, _ context: ShopRequestContext, _ principal: Principal) async throws -> StockBody {
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

    private func change(_ request: Request, _ context: ShopRequestContext, _ principal: Principal, _ change: StockChange) async throws -> StockBody {
        let sku = try request.sku(context, resource: "stock")
        return StockBody(try await repository.changeStock(sku, change, by: principal, at: clock.now()))
    }
}
