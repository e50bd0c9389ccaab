-- GET /v1/products/{sku} of a random SKU of the demo catalogue (SKU-00001 to SKU-01000), as shop-load's
-- product endpoint does, so both generators ask the same thing.
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/v1/products/SKU-%05d", math.random(1, 1000)))
end
