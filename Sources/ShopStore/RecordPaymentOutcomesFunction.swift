import ShopDomain

/// `record_payment_outcomes`, PostgreSQL's record of a batch of settlement attempts in one call
/// (`SQLShopRepository.recordInOneCall`), doing per attempt what `recordPaymentOutcome`'s transaction does
/// on SQLite. `p_outcomes` is a JSON array of {payment_id, order_id, kind, detail, next_at, payment_audit,
/// order_audit}: kind is captured, declined, failed, retry or refunded; detail the gateway reference or the
/// error; the audit ids are made by the caller, as every id is.
/// - captured: a pending order is confirmed and the payment captured; an order closed while the charge was
///   in flight keeps the reference and its payment becomes refund_pending, due now.
/// - declined, failed: the payment takes that status, and a still pending order fails with it.
/// - retry: the payment waits until next_at. refunded: the payment is refunded.
/// Orders are locked in id order, as a cancellation locks its one order before the payment. The stock of
/// the orders that failed comes back in one pass in SKU order, as every writer of inventory locks rows (an
/// order at a time would lock SKUs out of order across orders and could deadlock with a placement). Every
/// table is read by primary key, a row at a time, as in `place_order`, for the same reason (plans cached
/// while the tables were empty).
enum RecordPaymentOutcomesFunction {
    static let source = """
        CREATE FUNCTION record_payment_outcomes(p_outcomes JSONB, p_now BIGINT, p_actor TEXT)
        RETURNS VOID
        LANGUAGE plpgsql AS $$
        DECLARE
            r RECORD;
            v_status TEXT;
            v_payment TEXT;
            v_retry_now BOOLEAN;
            failed_orders TEXT[] := '{}';
            v_order TEXT;
            skus TEXT[] := '{}';
            quantities BIGINT[] := '{}';
        BEGIN
            FOR r IN
                SELECT * FROM jsonb_to_recordset(p_outcomes)
                    AS o(payment_id TEXT, order_id TEXT, kind TEXT, detail TEXT, next_at BIGINT, payment_audit TEXT, order_audit TEXT)
                ORDER BY o.order_id
            LOOP
                IF r.kind = 'retry' THEN
                    UPDATE payments SET last_error = r.detail, next_attempt_at_ms = r.next_at, lease_until_ms = 0, updated_at_ms = p_now
                    WHERE id = r.payment_id;
                    CONTINUE;
                END IF;
                v_retry_now := false;
                IF r.kind = 'refunded' THEN
                    v_payment := '\(PaymentStatus.refunded.rawValue)';
                ELSE
                    SELECT status INTO v_status FROM orders WHERE id = r.order_id FOR UPDATE;
                    IF NOT FOUND THEN
                        RAISE EXCEPTION 'no order % for payment %', r.order_id, r.payment_id;
                    END IF;
                    IF r.kind = 'captured' THEN
                        IF v_status = '\(OrderStatus.pending.rawValue)' THEN
                            v_payment := '\(PaymentStatus.captured.rawValue)';
                            UPDATE orders SET status = '\(OrderStatus.confirmed.rawValue)', updated_at_ms = p_now WHERE id = r.order_id;
                            INSERT INTO audit_log (id, at_ms, actor, action, subject, detail)
                            VALUES (r.order_audit, p_now, p_actor, 'order.\(OrderStatus.confirmed.rawValue)', r.order_id, 'from ' || v_status);
                        ELSE
                            -- Closed while the charge was in flight: keep the reference and give the money back.
                            v_payment := '\(PaymentStatus.refundPending.rawValue)';
                            v_retry_now := true;
                        END IF;
                    ELSE
                        v_payment := CASE r.kind WHEN 'declined' THEN '\(PaymentStatus.declined.rawValue)' ELSE '\(PaymentStatus.failed.rawValue)' END;
                        IF v_status = '\(OrderStatus.pending.rawValue)' THEN
                            UPDATE orders SET status = '\(OrderStatus.paymentFailed.rawValue)', updated_at_ms = p_now WHERE id = r.order_id;
                            INSERT INTO audit_log (id, at_ms, actor, action, subject, detail)
                            VALUES (r.order_audit, p_now, p_actor, 'order.\(OrderStatus.paymentFailed.rawValue)', r.order_id, 'from ' || v_status);
                            failed_orders := failed_orders || r.order_id;
                        END IF;
                    END IF;
                END IF;
                UPDATE payments SET status = v_payment,
                    gateway_reference = CASE WHEN r.kind IN ('captured', 'refunded') THEN r.detail ELSE gateway_reference END,
                    last_error = CASE WHEN r.kind IN ('declined', 'failed') THEN r.detail END,
                    lease_until_ms = 0, updated_at_ms = p_now,
                    next_attempt_at_ms = CASE WHEN v_retry_now THEN p_now ELSE next_attempt_at_ms END,
                    attempts = CASE WHEN v_retry_now THEN 0 ELSE attempts END
                WHERE id = r.payment_id;
                INSERT INTO audit_log (id, at_ms, actor, action, subject, detail)
                VALUES (r.payment_audit, p_now, p_actor, 'payment.' || v_payment, r.order_id, r.detail);
            END LOOP;
            FOREACH v_order IN ARRAY failed_orders LOOP
                FOR r IN SELECT i.sku, i.quantity FROM order_items i WHERE i.order_id = v_order LOOP
                    skus := skus || r.sku;
                    quantities := quantities || r.quantity;
                END LOOP;
            END LOOP;
            FOR r IN SELECT x.sku, SUM(x.quantity) AS quantity FROM unnest(skus, quantities) AS x(sku, quantity) GROUP BY x.sku ORDER BY x.sku LOOP
                UPDATE inventory SET quantity = quantity + r.quantity, updated_at_ms = p_now WHERE sku = r.sku;
            END LOOP;
        END
        $$
        """
}
