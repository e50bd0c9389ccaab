-- wrk script: POST /v1/orders for one unit of a random SKU of the 1,000-product demo catalog.
-- The bearer token comes from the TOKEN environment variable.
local token = os.getenv("TOKEN")
math.randomseed(os.time())
request = function()
  local body = string.format('{"items":[{"sku":"SKU-%05d","quantity":1}]}', math.random(1, 1000))
  return wrk.format("POST", "/v1/orders", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end
