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
            .on(.health, use: health)
            .on(.readiness, use: readiness)
            .on(.openAPI, use: openAPI)
    }

    /// `GET /healthz`: the process is up.
    @Sendable func health(_: Request, _: ShopRequestContext) async throws -> StatusBody {
        return StatusBody(status: "ok")
    }

    /// `GET /readyz`: up, not draining, and the database answers.
    @Sendable func readiness(_: Request, _: ShopRequestContext) async throws -> StatusBody {
        guard !drain.isDraining else { throw ShopError.unavailable(dependency: "this instance (shutting down)", retryAfterSeconds: 1) }
        guard await repository.isReady() else { throw ShopError.unavailable(dependency: "database", retryAfterSeconds: 1) }
        return StatusBody(status: "ready")
    }

    /// `GET /openapi.yaml`.
    @Sendable func openAPI(_: Request, _: ShopRequestContext) async throws -> Response {
        return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: openAPIDocument))
    }

    /// The OpenAPI document shipped with the module.
    static func loadOpenAPIDocument() throws -> ByteBuffer {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw ConfigurationError("openapi.yaml is missing from the build")
        }
        return ByteBuffer(bytes: try Data(contentsOf: url))
    }
}
