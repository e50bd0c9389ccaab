-- GET /v1/inventory/{sku} of a random SKU of the demo catalogue (SKU-00001 to SKU-01000).
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/v1/inventory/SKU-%05d", math.random(1, 1000)))
end
