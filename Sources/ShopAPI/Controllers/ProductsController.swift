import Hummingbird
import ShopContract
import ShopDomain
import ShopStore

/// The catalog: anyone may read it.
struct ProductsController {
    let repository: any ShopRepository
    let catalog: CachedCatalog

    var routes: RouteCollection<ShopRequestContext> {
        RouteCollection(context: ShopRequestContext.self)
            .on(.listProducts, use: list)
            .on(.getProduct, use: get)
    }

    /// `GET /v1/products`: the catalog by SKU, a page at a time.
    @Sendable func list(_ request: Request, _: ShopRequestContext) async throws -> PageBody<ProductBody> {
        let page = try await repository.products(try request.pageRequest())
        return PageBody(items: page.items.map(ProductBody.init), nextCursor: page.nextCursor)
    }

    /// `GET /v1/products/{sku}`, from the cached catalog.
    @Sendable func get(_ request: Request, _ context: ShopRequestContext) async throws -> ProductBody {
        return ProductBody(try await catalog.product(try request.sku(context, resource: "product")))
    }
}
