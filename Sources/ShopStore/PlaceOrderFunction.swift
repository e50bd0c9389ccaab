import ShopDomain

/// `place_order`, PostgreSQL's whole order in one call (`SQLShopRepository.placeInOneCall`). It answers
/// rows of (outcome, item, item_sku, item_currency, item_price, item_stock, replay_order,
/// replay_fingerprint), `item` counting the request's lines from 0:
/// - `replay`: the idempotency key was used before; the order it placed and the request's fingerprint.
/// - `unknown`: one row per line whose SKU has no stock row, in request order. Nothing written.
/// - `insufficient`: the first line in SKU order with too little stock, and the stock. Nothing written.
/// - `unpriceable`: every line's price, where the lines mix currencies or the total passes Int64
///   (OrderPricing's rules, checked here so that nothing is written). Nothing written.
/// - `placed`: every line's price, in request order; everything written.
/// Prices are read once, into arrays, so the order's total, its lines and its payment agree even if a
/// price changes meanwhile.
enum PlaceOrderFunction {
    static let source = """
        CREATE FUNCTION place_order(
            p_order_id TEXT, p_payment_id TEXT, p_audit_id TEXT, p_customer_id TEXT, p_skus TEXT[], p_quantities BIGINT[],
            p_idempotency_key TEXT, p_fingerprint TEXT, p_now BIGINT, p_trace_parent TEXT)
        RETURNS TABLE (outcome TEXT, item BIGINT, item_sku TEXT, item_currency TEXT, item_price BIGINT, item_stock BIGINT,
                       replay_order TEXT, replay_fingerprint TEXT)
        LANGUAGE plpgsql AS $$
        DECLARE
            prices BIGINT[];
            currencies TEXT[];
            order_total NUMERIC := 0;
        BEGIN
            IF p_idempotency_key IS NOT NULL THEN
                RETURN QUERY SELECT 'replay', NULL::BIGINT, NULL, NULL, NULL::BIGINT, NULL::BIGINT, k.order_id, k.fingerprint
                    FROM idempotency_keys k WHERE k.customer_id = p_customer_id AND k.idempotency_key = p_idempotency_key;
                IF FOUND THEN RETURN; END IF;
            END IF;
            -- Every line's stock row, locked in SKU order as every writer of inventory locks them (no
            -- deadlock between two orders), and held until the call's transaction commits.
            PERFORM 1 FROM inventory i WHERE i.sku = ANY (p_skus) ORDER BY i.sku FOR UPDATE;
            RETURN QUERY SELECT 'unknown', l.n - 1, l.s, NULL, NULL::BIGINT, NULL::BIGINT, NULL, NULL
                FROM unnest(p_skus) WITH ORDINALITY AS l(s, n)
                WHERE NOT EXISTS (SELECT 1 FROM inventory i WHERE i.sku = l.s) ORDER BY l.n;
            IF FOUND THEN RETURN; END IF;
            RETURN QUERY SELECT 'insufficient', l.n - 1, l.s, NULL, NULL::BIGINT, i.quantity, NULL, NULL
                FROM unnest(p_skus, p_quantities) WITH ORDINALITY AS l(s, q, n) JOIN inventory i ON i.sku = l.s
                WHERE i.quantity < l.q ORDER BY l.s LIMIT 1;
            IF FOUND THEN RETURN; END IF;
            SELECT array_agg(p.price_minor ORDER BY l.n), array_agg(p.currency ORDER BY l.n) INTO prices, currencies
                FROM unnest(p_skus) WITH ORDINALITY AS l(s, n) JOIN products p ON p.sku = l.s;
            FOR i IN 1 .. cardinality(p_skus) LOOP
                order_total := order_total + prices[i]::NUMERIC * p_quantities[i];
                IF currencies[i] <> currencies[1] OR order_total > 9223372036854775807 THEN
                    RETURN QUERY SELECT 'unpriceable', l.n - 1, l.s, l.c, l.p, NULL::BIGINT, NULL, NULL
                        FROM unnest(p_skus, currencies, prices) WITH ORDINALITY AS l(s, c, p, n) ORDER BY l.n;
                    RETURN;
                END IF;
            END LOOP;
            UPDATE inventory i SET quantity = i.quantity - l.q, updated_at_ms = p_now
                FROM unnest(p_skus, p_quantities) AS l(s, q) WHERE i.sku = l.s;
            INSERT INTO orders (id, customer_id, status, total_minor, currency, created_at_ms, updated_at_ms)
                VALUES (p_order_id, p_customer_id, '\(OrderStatus.pending.rawValue)', order_total, currencies[1], p_now, p_now);
            INSERT INTO order_items (order_id, line, sku, quantity, unit_price_minor)
                SELECT p_order_id, l.n, l.s, l.q, l.p FROM unnest(p_skus, p_quantities, prices) WITH ORDINALITY AS l(s, q, p, n);
            INSERT INTO payments (id, order_id, amount_minor, currency, status, next_attempt_at_ms, created_at_ms, updated_at_ms, trace_parent)
                VALUES (p_payment_id, p_order_id, order_total, currencies[1], '\(PaymentStatus.pending.rawValue)', p_now, p_now, p_now, p_trace_parent);
            INSERT INTO audit_log (id, at_ms, actor, action, subject, detail)
                VALUES (p_audit_id, p_now, p_customer_id, 'order.placed', p_order_id,
                        cardinality(p_skus) || ' lines, total ' || order_total || ' ' || currencies[1]);
            IF p_idempotency_key IS NOT NULL THEN
                INSERT INTO idempotency_keys (customer_id, idempotency_key, fingerprint, order_id, response, created_at_ms)
                    VALUES (p_customer_id, p_idempotency_key, p_fingerprint, p_order_id, '', p_now);
            END IF;
            RETURN QUERY SELECT 'placed', l.n - 1, l.s, l.c, l.p, NULL::BIGINT, NULL, NULL
                FROM unnest(p_skus, currencies, prices) WITH ORDINALITY AS l(s, c, p, n) ORDER BY l.n;
        END
        $$
        """
}
