/// What a token holder may do. Which role may call which route is `APIRoute.access`, checked on every request.
public enum Role: String, Sendable, Codable, CaseIterable {
    case customer
    case warehouse
    case admin
}

/// The authenticated caller: the token's subject and role.
public struct Principal: Sendable, Hashable {
    public let subject: String
    public let role: Role

    public init(subject: String, role: Role) {
        self.subject = subject
        self.role = role
    }

    /// A customer sees only their own orders; an admin sees all.
    public func mayRead(orderOwnedBy owner: String) -> Bool {
        role == .admin || (role == .customer && subject == owner)
    }
}
