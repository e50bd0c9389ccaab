-- wrk script: a shop's traffic mix. Each request is a product view (48%), a stock check for the product
-- on view (48%), or an order of one unit (4%, one order per twelve product views), over the 1,000-SKU
-- demo catalog with a popular head: half the requests go to the 50 first SKUs.
local token = os.getenv("TOKEN")
math.randomseed(os.time())
local function sku()
  if math.random() < 0.5 then return math.random(1, 50) end
  return math.random(1, 1000)
end
request = function()
  local pick = math.random()
  local id = string.format("SKU-%05d", sku())
  if pick < 0.48 then
    return wrk.format("GET", "/v1/products/" .. id)
  elseif pick < 0.96 then
    return wrk.format("GET", "/v1/inventory/" .. id)
  end
  return wrk.format("POST", "/v1/orders", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, string.format('{"items":[{"sku":"%s","quantity":1}]}', id))
end
