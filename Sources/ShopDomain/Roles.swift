/// What a token holder may do. Which role may call which route is `APIRoute.access`, checked on every request.
package enum Role: String, Sendable, Codable, CaseIterable {
    case customer
    case warehouse
    case admin
}

/// The authenticated caller: the token's subject and role.
package struct Principal: Sendable, Hashable {
    package let subject: String
    package let role: Role

    package init(subject: String, role: Role) {
        self.subject = subject
        self.role = role
    }

    /// A customer sees only their own orders; an admin sees all.
    package func mayRead(orderOwnedBy owner: String) -> Bool {
        role == .admin || (role == .customer && subject == owner)
    }
}
