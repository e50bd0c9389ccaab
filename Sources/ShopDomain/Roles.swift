/// What a token holder may do. Checked on every request that needs more than anonymous access.
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

    public var mayPlaceOrders: Bool { role == .customer }
    public var mayManageStock: Bool { role == .warehouse || role == .admin }
    public var mayRefund: Bool { role == .admin }
}
