import ShopDomain
import ShopSupport

/// The schema, as numbered migrations applied in order at start and recorded in `schema_migrations`.
/// Never edit a released migration: add the next number. Types are the subset both engines share:
/// BIGINT for integers and timestamps (milliseconds since the epoch), TEXT for the rest.
package struct Migration: Sendable {
    package let version: Int
    package let name: String
    package let statements: [String]
    /// The one engine the statements are for; recorded as applied on the other all the same.
    package let only: SQLDialect?

    init(version: Int, name: String, statements: [String], only: SQLDialect? = nil) {
        self.version = version
        self.name = name
        self.statements = statements
        self.only = only
    }
}

package enum Migrations {
    package static let all: [Migration] = [
        Migration(
            version: 1, name: "catalog and inventory",
            statements: [
                """
                CREATE TABLE products (
                    sku TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
                    currency TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE inventory (
                    sku TEXT PRIMARY KEY REFERENCES products (sku),
                    quantity BIGINT NOT NULL CHECK (quantity >= 0),
                    updated_at_ms BIGINT NOT NULL
                )
                """,
            ]),
        Migration(
            version: 2, name: "orders, payments, audit, idempotency",
            statements: [
                """
                CREATE TABLE orders (
                    id TEXT PRIMARY KEY,
                    customer_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    total_minor BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    created_at_ms BIGINT NOT NULL,
                    updated_at_ms BIGINT NOT NULL
                )
                """,
                "CREATE INDEX orders_by_customer ON orders (customer_id, id)",
                """
                CREATE TABLE order_items (
                    order_id TEXT NOT NULL REFERENCES orders (id),
                    line INTEGER NOT NULL,
                    sku TEXT NOT NULL REFERENCES products (sku),
                    quantity BIGINT NOT NULL CHECK (quantity > 0),
                    unit_price_minor BIGINT NOT NULL,
                    PRIMARY KEY (order_id, line)
                )
                """,
                """
                CREATE TABLE payments (
                    id TEXT PRIMARY KEY,
                    order_id TEXT NOT NULL UNIQUE REFERENCES orders (id),
                    amount_minor BIGINT NOT NULL,
                    currency TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at_ms BIGINT NOT NULL,
                    lease_until_ms BIGINT NOT NULL DEFAULT 0,
                    gateway_reference TEXT,
                    last_error TEXT,
                    created_at_ms BIGINT NOT NULL,
                    updated_at_ms BIGINT NOT NULL
                )
                """,
                "CREATE INDEX payments_due ON payments (status, next_attempt_at_ms)",
                """
                CREATE TABLE audit_log (
                    id TEXT PRIMARY KEY,
                    at_ms BIGINT NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    detail TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE idempotency_keys (
                    customer_id TEXT NOT NULL,
                    idempotency_key TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    order_id TEXT NOT NULL REFERENCES orders (id),
                    response TEXT NOT NULL,
                    created_at_ms BIGINT NOT NULL,
                    PRIMARY KEY (customer_id, idempotency_key)
                )
                """,
            ]),
        Migration(
            version: 3, name: "payments keep the trace that placed them",
            statements: [
                "ALTER TABLE payments ADD COLUMN trace_parent TEXT"
            ]),
        // The processor's claim asks for the earliest due payments among those still to settle. On the
        // (status, next_attempt) index PostgreSQL had to fetch and sort every one of them for each batch of
        // 32, which took 7 ms with a backlog of 5,000; this index hands them out in order (0.1 ms).
        Migration(
            version: 4, name: "due payments come in order from an index of the unsettled",
            statements: [
                "DROP INDEX payments_due",
                "CREATE INDEX payments_due ON payments (next_attempt_at_ms) WHERE status IN \(SQLShopRepository.unsettledStatuses)",
            ]),
        Migration(version: 5, name: "an order in one call of place_order", statements: [PlaceOrderFunction.source], only: .postgres),
        Migration(
            version: 6, name: "a batch of payment outcomes in one call of record_payment_outcomes",
            statements: [RecordPaymentOutcomesFunction.source], only: .postgres),
        // Accounts and their refresh tokens. A token's family is every token rotated from one sign-in
        // (its id is the first token's); presenting a used one revokes the whole family.
        Migration(
            version: 7, name: "accounts and refresh tokens",
            statements: [
                """
                CREATE TABLE accounts (
                    id TEXT PRIMARY KEY,
                    email TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL,
                    role TEXT NOT NULL,
                    created_at_ms BIGINT NOT NULL,
                    disabled_at_ms BIGINT
                )
                """,
                """
                CREATE TABLE refresh_tokens (
                    id TEXT PRIMARY KEY,
                    family_id TEXT NOT NULL,
                    account_id TEXT NOT NULL REFERENCES accounts (id),
                    secret_hash TEXT NOT NULL,
                    issued_at_ms BIGINT NOT NULL,
                    expires_at_ms BIGINT NOT NULL,
                    used_at_ms BIGINT,
                    revoked_at_ms BIGINT
                )
                """,
                "CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id)",
            ]),
    ]

    /// Applies every migration not yet recorded, each in its own transaction under the migration lock, so
    /// two instances starting at once apply each exactly once. Returns the versions this call applied.
    @discardableResult
    package static func apply(to database: any SQLDatabase, at now: Timestamp) async throws -> [Int] {
        var applied: [Int] = []
        for migration in all {
            let didApply = try await database.migrationTransaction { db in
                try await db.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)
                    """)
                let existing = try await db.query("SELECT version FROM schema_migrations WHERE version = \(migration.version)")
                guard existing.isEmpty else { return false }
                for statement in migration.statements where migration.only.map({ $0 == database.dialect }) ?? true {
                    try await db.query(SQL(stringLiteral: statement))
                }
                try await db.query(
                    """
                    INSERT INTO schema_migrations (version, name, applied_at_ms)
                    VALUES (\(migration.version), \(migration.name), \(now))
                    """)
                return true
            }
            if didApply { applied.append(migration.version) }
        }
        return applied
    }

    /// The number of migrations recorded as applied; the schema is current when it equals `all.count`.
    package static func appliedCount(in database: any SQLExecutor) async throws -> Int {
        let rows = try await database.query("SELECT COUNT(*) FROM schema_migrations")
        return Int(try rows.first?.int(0) ?? 0)
    }
}
