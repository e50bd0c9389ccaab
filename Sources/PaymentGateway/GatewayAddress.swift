/// The gateway's base URL, known at once for a remote gateway and only once it has bound a port for the
/// in-process sandbox (port 0 lets parallel instances and tests never collide). Callers wait for it.
package actor GatewayAddress {
    private var url: String?
    private var waiters: [CheckedContinuation<String, Never>] = []

    package init(url: String? = nil) {
        self.url = url
    }

    package func set(_ url: String) {
        self.url = url
        for waiter in waiters { waiter.resume(returning: url) }
        waiters.removeAll()
    }

    package func get() async -> String {
        if let url { return url }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
