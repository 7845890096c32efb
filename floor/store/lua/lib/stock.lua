-- lib/stock.lua: moves of stock counters shared by picking, inventory and short picks.
-- requires: ledger
-- Take `qty` picked units of `sku` off `loc`: on hand, reserved, location and allocation.
local function consume_stock(sku, loc, qty)
  ledger_move_pair(sku, 'on_hand', -qty, 'reserved', -qty, 'commit', loc)
  local left = redis.call('HINCRBY', K.sku_bins(sku), loc, -qty)
  if left <= 0 then
    redis.call('HDEL', K.sku_bins(sku), loc)
    redis.call('HDEL', K.bin(loc), sku)
  else
    redis.call('HSET', K.bin(loc), sku, left)
  end
  if redis.call('HINCRBY', K.sku_alloc(sku), loc, -qty) <= 0 then
    redis.call('HDEL', K.sku_alloc(sku), loc)
  end
end

local function set_location_stock(sku, loc, units)
  if units <= 0 then
    redis.call('HDEL', K.sku_bins(sku), loc)
    redis.call('HDEL', K.bin(loc), sku)
  else
    redis.call('HSET', K.sku_bins(sku), loc, units)
    redis.call('HSET', K.bin(loc), sku, units)
  end
end
