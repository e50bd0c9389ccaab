import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A stand-in for the API that answers at once, except that every `period` it stops answering for `stall`
/// (wrk2's demonstration of coordinated omission): requests arriving then wait until it ends. Its last
/// product, SKU-5, is not found (404), so a run has more than one status code.
final class StubShop: Sendable {
    let period: Duration
    let stall: Duration
    /// How long the server keeps an idle keep-alive connection before closing it, if it closes them at all.
    let idleTimeout: TimeAmount?
    /// The SKUs whose product pages were read.
    let read = Mutex<Set<String>>([])

    init(period: Duration, stall: Duration, idleTimeout: TimeAmount? = nil) {
        self.period = period
        self.stall = stall
        self.idleTimeout = idleTimeout
    }

    func application(port: Int = 0) -> some ApplicationProtocol {
        let start = ContinuousClock.now
        let router = Router()
        // Two pages, as the API pages its catalogue: the generator must follow the cursor.
        router.get("/v1/products") { request, _ in
            let page =
                request.uri.queryParameters["cursor"] == "2"
                ? #"{"items":[{"sku":"SKU-4"},{"sku":"SKU-5"}],"next_cursor":null}"#
                : #"{"items":[{"sku":"SKU-1"},{"sku":"SKU-2"},{"sku":"SKU-3"}],"next_cursor":"2"}"#
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: page)))
        }
        let (period, stall) = (period, stall)
        router.get("/v1/products/{sku}") { [self] _, context in
            if let sku = context.parameters.get("sku") { self.read.withLock { _ = $0.insert(sku) } }
            let elapsed = ContinuousClock.now - start
            let phase = elapsed - period * Int(elapsed / period)
            if phase >= period - stall { try await Task.sleep(for: period - phase) }
            return Response(
                status: context.parameters.get("sku") == "SKU-5" ? .notFound : .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: "{}")))
        }
        return Application(
            router: router, server: .http1(configuration: .init(idleTimeout: idleTimeout)),
            configuration: .init(address: .hostname("127.0.0.1", port: port)))
    }
}
