import ArgumentParser
import Foundation

/// `--target`: the shop-api a client command talks to, checked once for every command that has it.
package struct TargetOption: ParsableArguments {
    @Option(help: "The API's base URL.")
    package var target = "http://127.0.0.1:8080"

    package init() {}

    /// The target as a URL: plain HTTP with a host (the load engine speaks HTTP/1.1 without TLS).
    package func url() throws(CommandFailure) -> URL {
        guard let url = URL(string: target), url.scheme == "http", url.host != nil else {
            throw CommandFailure("--target must be an http:// URL, such as http://127.0.0.1:8080; not \(target)")
        }
        return url
    }
}
