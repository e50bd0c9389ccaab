-- benchmarks/product-read.lua with a pause of WRK_DELAY_MS (whole milliseconds: wrk's timers have no finer
-- grain) before each connection's next request: wrk has no rate option, so N connections each pausing D ms
-- send just under N / D requests per millisecond.
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "4")
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/v1/products/SKU-%05d", math.random(1, 1000)))
end
delay = function()
  return pause
end
