import Foundation
import Hummingbird
import ShopContract
import ShopDomain
import ShopStore

/// Liveness, readiness and the API's own description.
struct HealthController {
    let repository: any ShopRepository
    let openAPIDocument: ByteBuffer
    let drain: Drain

    var routes: RouteCollection<ShopRequestContext> {
        RouteCollection(context: ShopRequestContext.self)
            .on(.health) { _, _ in StatusBody(status: "ok") }
            .on(.readiness) { _, _ in
                guard !drain.isDraining else { throw ShopError.unavailable(dependency: "this instance (shutting down)", retryAfterSeconds: 1) }
                guard await repository.isReady() else { throw ShopError.unavailable(dependency: "database", retryAfterSeconds: 1) }
                return StatusBody(status: "ready")
            }
            .on(.openAPI) { _, _ in
                Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: openAPIDocument))
            }
    }

    /// The OpenAPI document shipped with the module.
    static func loadOpenAPIDocument() throws -> ByteBuffer {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw ConfigurationError("openapi.yaml is missing from the build")
        }
        return ByteBuffer(bytes: try Data(contentsOf: url))
    }
}
