-- pgbench script: shop-api's order transaction for one unit of a random SKU, statement for statement as
-- shop-api sends it on PostgreSQL (SQLShopRepository+Orders.swift): the guarded stock decrement that
-- returns the price, then the order, its line, its payment and the audit row in one statement. Run with
-- -M extended, as postgres-nio sends parameters. Ids are random numbers: unique enough for a benchmark.
\set n random(1, 1000)
\set order_id random(1, 9000000000000000000)
\set payment_id random(1, 9000000000000000000)
\set audit_id random(1, 9000000000000000000)
BEGIN;
UPDATE inventory SET quantity = quantity - 1, updated_at_ms = 1
WHERE sku = 'SKU-' || lpad(:n::text, 5, '0') AND quantity >= 1
RETURNING (SELECT price_minor FROM products WHERE products.sku = inventory.sku) AS price,
          (SELECT currency FROM products WHERE products.sku = inventory.sku) AS currency \gset
WITH step0 AS (INSERT INTO orders (id, customer_id, status, total_minor, currency, created_at_ms, updated_at_ms)
               VALUES (:order_id, 'bench-customer', 'pending', :price, :currency, 1, 1)),
     step1 AS (INSERT INTO order_items (order_id, line, sku, quantity, unit_price_minor)
               VALUES (:order_id, 1, 'SKU-' || lpad(:n::text, 5, '0'), 1, :price)),
     step2 AS (INSERT INTO payments (id, order_id, amount_minor, currency, status, next_attempt_at_ms, created_at_ms, updated_at_ms, trace_parent)
               VALUES (:payment_id, :order_id, :price, :currency, 'pending', 1, 1, 1, NULL))
INSERT INTO audit_log (id, at_ms, actor, action, subject, detail)
VALUES (:audit_id, 1, 'bench-customer', 'order.placed', :order_id, '1 lines, total ' || :price || ' ' || :currency);
COMMIT;
