/// A server's base URL given as `flag` (Prometheus, Alertmanager): http or https, as the client speaks both.
package func serverURL(_ value: String, flag: String, example: String) throws(CommandFailure) -> String {
    guard value.hasPrefix("http://") || value.hasPrefix("https://") else {
        throw CommandFailure("\(flag) must be an http:// URL, such as \(example)")
    }
    return value
}
