import Foundation
import Hummingbird
import NIOCore

/// A stand-in for the API that answers at once, except that every `period` it stops answering for `stall`
/// (wrk2's demonstration of coordinated omission): requests arriving then wait until it ends.
struct StubShop {
    let period: Duration
    let stall: Duration
    /// How long the server keeps an idle keep-alive connection before closing it, if it closes them at all.
    var idleTimeout: TimeAmount?

    func application(port: Int = 0) -> some ApplicationProtocol {
        let start = ContinuousClock.now
        let router = Router()
        router.get("/v1/products") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"items":[{"sku":"SKU-1"},{"sku":"SKU-2"},{"sku":"SKU-3"}],"next_cursor":null}"#)))
        }
        router.get("/v1/products/{sku}") { _, _ in
            let elapsed = ContinuousClock.now - start
            let phase = elapsed - period * Int(elapsed / period)
            if phase >= period - stall { try await Task.sleep(for: period - phase) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        return Application(
            router: router, server: .http1(configuration: .init(idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname("127.0.0.1", port: port)))
    }
}
