import Foundation
import NIOCore
import ShopContract

/// The SKUs the API sells, read before a run page by page (up to 2,000) on a socket loop of its own: orders
/// use real ones. Not through AsyncHTTPClient: its set-up and NIO's threads were about a third of
/// shop-load's start-up CPU, paid in every run, for a few GETs one of the engine's connections does as well.
final class CatalogueRead: @unchecked Sendable {
    static let most = 2_000
    /// For a connection, and then for each page's answer.
    static let patience: TimeAmount = .seconds(3)

    private let loop: SocketLoop
    /// The target's addresses not yet refused; the first is the one in use.
    private var addresses: [TargetAddress]
    private let host: String
    private let target: String
    private var uri = APIRoute.listProducts.path() + "?limit=100"
    private var skus: [String] = []
    private var connection: LoadConnection?
    /// Whether the connection in use has answered a page: a keep-alive connection the server may close as idle.
    private var connectionReused = false
    /// Whether this page's GET was already sent again after such a close.
    private var resent = false
    private var timer: Int?
    private var outcome: Result<[String], LoadRunError>?

    private init(_ configuration: LoadRunConfiguration, addresses: [TargetAddress]) throws(LoadRunError) {
        loop = try SocketLoop()
        self.addresses = addresses
        host = configuration.hostHeader
        target = configuration.baseURL
    }

    /// The SKUs, and the first of the target's `addresses` that took a connection (the one the run then uses).
    static func skus(
        of configuration: LoadRunConfiguration, at addresses: [TargetAddress]
    ) async throws(LoadRunError)
        -> (address: TargetAddress, skus: [String])
    {
        let read = try CatalogueRead(configuration, addresses: addresses)
        await read.loop.runOnThread { read.ask() }
        guard let outcome = read.outcome, let address = read.addresses.first else { throw LoadRunError("cannot read the catalogue") }
        return (address, try outcome.get())
    }

    /// Sends the request for the next page, on a new connection if the last one ended.
    private func ask() {
        guard let connection, connection.isOpen else {
            LoadConnection.open(to: addresses[0], on: loop, timeout: Self.patience) { opened in
                switch opened {
                case .success(let connection):
                    connection.onAnswer = { [unowned self] in self.answered($0) }
                    self.connection = connection
                    self.connectionReused = false
                    self.ask()
                case .failure where self.addresses.count > 1 && self.skus.isEmpty:
                    // `localhost` may name ::1 first where the server listens on 127.0.0.1 only: try the next.
                    self.addresses.removeFirst()
                    self.ask()
                case .failure(let failure): self.fail(failure.description)
                }
            }
            return
        }
        timer = loop.after(.now() + Self.patience) { self.fail("no answer in \(Self.patience.nanoseconds / 1_000_000_000) s") }
        connection.send(RequestFactory.get(uri, host: host, token: nil), head: false, keepBody: true)
    }

    private func answered(_ answer: Answer) {
        guard outcome == nil else { return }
        if let timer { loop.cancel(timer) }
        guard let status = answer.status else {
            // The server closed a kept-alive connection as idle just as the GET went: send it once more on a new
            // one, as the engine does.
            guard connectionReused, !resent else { return fail("the connection ended before the answer") }
            resent = true
            connection?.close()
            connection = nil
            return ask()
        }
        resent = false
        connectionReused = true
        guard status == 200, let body = answer.body, let page = try? JSONDecoder().decode(Page.self, from: Data(body.readableBytesView))
        else { return fail("HTTP \(status)") }
        skus += page.items.map(\.sku)
        if !answer.reusable { connection?.close() }
        guard let cursor = page.nextCursor, skus.count < Self.most else { return end(.success(skus)) }
        uri = APIRoute.listProducts.path() + "?limit=100&cursor=" + (cursor.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? cursor)
        ask()
    }

    /// A page of `GET /v1/products`, as much of it as this needs.
    private struct Page: Decodable {
        struct Item: Decodable { let sku: String }
        let items: [Item]
        let nextCursor: String?
        enum CodingKeys: String, CodingKey {
            case items
            case nextCursor = "next_cursor"
        }
    }

    private func fail(_ why: String) {
        end(.failure(LoadRunError("cannot read the catalogue at \(target)\(uri): \(why)")))
    }

    private func end(_ outcome: Result<[String], LoadRunError>) {
        guard self.outcome == nil else { return }
        self.outcome = outcome
        connection?.close()
        connection = nil
        loop.finish()
    }
}
