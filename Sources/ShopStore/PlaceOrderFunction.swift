import ShopDomain

/// `place_order`, PostgreSQL's whole order in one call (`SQLShopRepository.placeInOneCall`). The lines
/// come in SKU order, each with its position in the request (`p_lines`, from 0). It answers rows of
/// (outcome, item, item_sku, item_currency, item_price, item_stock, replay_order, replay_fingerprint),
/// `item` being a line's position in the request:
/// - `replay`: the idempotency key was used before; the order it placed and that request's fingerprint.
/// - `unknown`: one row per line whose SKU has no stock row. Nothing written.
/// - `insufficient`: the first line in SKU order with too little stock, and the stock. Nothing written.
/// - `unpriceable`: every line's price, where the lines mix currencies or the total passes Int64
///   (OrderPricing's rules, checked here so that nothing is written). Nothing written.
/// - `placed`: every line's price; everything written.
/// A line whose row another order holds is first read without the lock: already short (or with an unknown
/// SKU among the lines), it is answered at once, so the orders that follow a sell-out do not queue on the
/// hot row for their 409.
/// Every table read is by primary key, one line at a time: a statement over all the lines (`sku = ANY`,
/// `UPDATE … FROM unnest`) was planned as a hash join over a sequential scan of inventory and products
/// (their statistics are those of an empty table when the plan is cached), which grew with every dead
/// row the orders left. The writes of the order's rows are one data-modifying statement.
enum PlaceOrderFunction {
    static let source = """
        CREATE FUNCTION place_order(
            p_order_id TEXT, p_payment_id TEXT, p_audit_id TEXT, p_customer_id TEXT,
            p_skus TEXT[], p_quantities BIGINT[], p_lines BIGINT[],
            p_idempotency_key TEXT, p_fingerprint TEXT, p_now BIGINT, p_trace_parent TEXT)
        RETURNS TABLE (outcome TEXT, item BIGINT, item_sku TEXT, item_currency TEXT, item_price BIGINT, item_stock BIGINT,
                       replay_order TEXT, replay_fingerprint TEXT)
        LANGUAGE plpgsql AS $$
        DECLARE
            n INTEGER := cardinality(p_skus);
            stocks BIGINT[] := '{}';
            prices BIGINT[] := '{}';
            currencies TEXT[] := '{}';
            v_stock BIGINT;
            v_price BIGINT;
            v_currency TEXT;
            order_total NUMERIC := 0;
            unknown BOOLEAN := false;
            unpriceable BOOLEAN := false;
        BEGIN
            IF p_idempotency_key IS NOT NULL THEN
                SELECT k.order_id, k.fingerprint INTO replay_order, replay_fingerprint
                    FROM idempotency_keys k WHERE k.customer_id = p_customer_id AND k.idempotency_key = p_idempotency_key;
                IF FOUND THEN
                    outcome := 'replay';
                    RETURN NEXT;
                    RETURN;
                END IF;
            END IF;
            -- Each line's stock row, locked in SKU order as every writer of inventory locks them (no
            -- deadlock between two orders), and held until the call's transaction commits.
            FOR line IN 1 .. n LOOP
                SELECT i.quantity, p.price_minor, p.currency INTO v_stock, v_price, v_currency
                    FROM inventory i JOIN products p ON p.sku = i.sku WHERE i.sku = p_skus[line] FOR UPDATE OF i SKIP LOCKED;
                IF NOT FOUND THEN
                    -- Another order holds the row, or the SKU is unknown. Once a flash sale has sold out,
                    -- queueing behind the holder only to be told 409 is what made every later order slow:
                    -- an answer that needs no lock (unknown SKUs, or a line the committed row already
                    -- cannot serve) is given at once. Otherwise wait for the lock as before.
                    SELECT i.quantity INTO v_stock FROM inventory i WHERE i.sku = p_skus[line];
                    IF NOT FOUND OR v_stock < p_quantities[line] THEN
                        -- Unknown SKUs answer first, every one of them.
                        FOR other IN 1 .. n LOOP
                            PERFORM 1 FROM inventory i JOIN products p ON p.sku = i.sku WHERE i.sku = p_skus[other];
                            IF NOT FOUND THEN
                                unknown := true;
                                outcome := 'unknown';
                                item := p_lines[other];
                                item_sku := p_skus[other];
                                RETURN NEXT;
                            END IF;
                        END LOOP;
                        IF unknown THEN
                            RETURN;
                        END IF;
                        -- Then the first short line in SKU order, an earlier locked one or this one: the
                        -- check below over the lines read so far answers it.
                        stocks := stocks || v_stock;
                        EXIT;
                    END IF;
                    SELECT i.quantity, p.price_minor, p.currency INTO v_stock, v_price, v_currency
                        FROM inventory i JOIN products p ON p.sku = i.sku WHERE i.sku = p_skus[line] FOR UPDATE OF i;
                END IF;
                unknown := unknown OR NOT FOUND;
                stocks := stocks || v_stock;
                prices := prices || v_price;
                currencies := currencies || v_currency;
                order_total := order_total + v_price::NUMERIC * p_quantities[line];
                unpriceable := unpriceable OR v_currency <> currencies[1];
            END LOOP;
            IF unknown THEN
                outcome := 'unknown';
                FOR line IN 1 .. n LOOP
                    IF stocks[line] IS NULL THEN
                        item := p_lines[line];
                        item_sku := p_skus[line];
                        RETURN NEXT;
                    END IF;
                END LOOP;
                RETURN;
            END IF;
            FOR line IN 1 .. n LOOP
                IF stocks[line] < p_quantities[line] THEN
                    outcome := 'insufficient';
                    item := p_lines[line];
                    item_sku := p_skus[line];
                    item_stock := stocks[line];
                    RETURN NEXT;
                    RETURN;
                END IF;
            END LOOP;
            outcome := 'placed';
            IF unpriceable OR order_total > 9223372036854775807 THEN
                outcome := 'unpriceable';
            ELSE
                FOR line IN 1 .. n LOOP
                    UPDATE inventory SET quantity = quantity - p_quantities[line], updated_at_ms = p_now WHERE sku = p_skus[line];
                END LOOP;
                WITH placed AS (
                        INSERT INTO orders (id, customer_id, status, total_minor, currency, created_at_ms, updated_at_ms)
                        VALUES (p_order_id, p_customer_id, '\(OrderStatus.pending.rawValue)', order_total, currencies[1], p_now, p_now)),
                    lines AS (
                        INSERT INTO order_items (order_id, line, sku, quantity, unit_price_minor)
                        SELECT p_order_id, l.pos + 1, l.s, l.q, l.p FROM unnest(p_lines, p_skus, p_quantities, prices) AS l(pos, s, q, p)),
                    payment AS (
                        INSERT INTO payments (id, order_id, amount_minor, currency, status, next_attempt_at_ms, created_at_ms, updated_at_ms, trace_parent)
                        VALUES (p_payment_id, p_order_id, order_total, currencies[1], '\(PaymentStatus.pending.rawValue)', p_now, p_now, p_now, p_trace_parent)),
                    keyed AS (
                        INSERT INTO idempotency_keys (customer_id, idempotency_key, fingerprint, order_id, response, created_at_ms)
                        SELECT p_customer_id, p_idempotency_key, p_fingerprint, p_order_id, '', p_now WHERE p_idempotency_key IS NOT NULL)
                INSERT INTO audit_log (id, at_ms, actor, action, subject, detail)
                VALUES (p_audit_id, p_now, p_customer_id, 'order.placed', p_order_id, n || ' lines, total ' || order_total || ' ' || currencies[1]);
            END IF;
            FOR line IN 1 .. n LOOP
                item := p_lines[line];
                item_sku := p_skus[line];
                item_currency := currencies[line];
                item_price := prices[line];
                RETURN NEXT;
            END LOOP;
        END
        $$
        """
}
