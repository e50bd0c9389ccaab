-- pgbench script: shop-api's order for one unit of a random SKU, as shop-api sends it on PostgreSQL
-- (SQLShopRepository+PlaceOrderCall.swift): one call of place_order (migration 5, PlaceOrderFunction.swift),
-- which locks and checks the stock row, then writes the reservation, the order, its line, its payment and
-- the audit row. Run with -M prepared: shop-api prepares it once per connection. Ids are random numbers: unique
-- enough for a benchmark. The statement must stay SQLShopRepository.placeOrderCall's, with pgbench's values
-- in its placeholders: StoreConformanceTests.pgbenchRunsTheOrderStatementShopAPISends checks it.
\set n random(1, 1000)
\set order_id random(1, 9000000000000000000)
\set payment_id random(1, 9000000000000000000)
\set audit_id random(1, 9000000000000000000)
SELECT outcome, item, item_sku, item_currency, item_price, item_stock, replay_order, replay_fingerprint
FROM place_order(:order_id::text, :payment_id::text, :audit_id::text, 'bench-customer',
    string_to_array('SKU-' || lpad(:n::text, 5, '0'), ','), string_to_array('1', ',')::bigint[], string_to_array('0', ',')::bigint[],
    NULL, 'bench', 1, NULL);
