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
            .on(.listProducts) { request, _ in
                let page = try await repository.products(try request.pageRequest())
                return PageBody(items: page.items.map(ProductBody.init), nextCursor: page.nextCursor)
            }
            .on(.getProduct) { request, context in
                ProductBody(try await catalog.product(try request.sku(context, resource: "product")))
            }
    }
}
