-- intake_order.lua: accept a canonical order and reserve all its lines, or hold it backordered.
-- requires: events, ledger
-- Idempotent on (channel, shop, external id): a repeat returns the first order id, reserves nothing.
-- KEYS[1] events stream
-- ARGV[2] order_id  ARGV[3] channel  ARGV[4] external_id  ARGV[5] lines JSON [[sku, qty], ...]
-- ARGV[6] priority  ARGV[7] due ('' = none)  ARGV[8] customer  ARGV[9] urgency score
-- ARGV[10] shop ('' = the channel's only shop; ids of different shops never collide)
-- ARGV[11] '1' = all or nothing for the router: when short (available after safety stock), write
--          nothing and answer {'short', reason}; '' = backorder when short (the default)
-- ARGV[12] carrier service or carrier code ('' or absent = none: the release policy's rule decides)
-- Available = on hand - reserved - unavailable (floor.availability); reservations go through the ledger.
-- returns {'ok', order_id} | {'exists', order_id} | {'unknown_sku', sku} | {'short', reason}
local order_id = ARGV[2]
local shop = ARGV[10] or ''
local ext = K.order_ext(shop == '' and ARGV[3] or (ARGV[3] .. ':' .. shop), ARGV[4])
local existing = redis.call('GET', ext)
if existing then return {'exists', existing} end

local lines = cjson.decode(ARGV[5])
local need, skus, units = {}, {}, 0
for _, line in ipairs(lines) do
  local sku, qty = line[1], tonumber(line[2])
  if need[sku] == nil then need[sku] = 0; skus[#skus + 1] = sku end
  need[sku] = need[sku] + qty
  units = units + qty
end

local strict = ARGV[11] == '1'
local short = {}
for _, sku in ipairs(skus) do
  local available = sellable(sku, strict)
  if available == nil then return {'unknown_sku', sku} end
  if available < need[sku] then
    short[#short + 1] = sku .. ' needs ' .. need[sku] .. ', available ' .. available
  end
end

if strict and #short > 0 then return {'short', table.concat(short, '; ')} end
local status, reason = 'reserved', ''
if #short == 0 then
  for _, sku in ipairs(skus) do ledger_move(sku, 'reserved', need[sku], 'reserve', order_id) end
  redis.call('ZADD', K.orders_reserved(), ARGV[9], order_id)
else
  status = 'backordered'
  reason = 'insufficient stock: ' .. table.concat(short, '; ')
  redis.call('ZADD', K.orders_backordered(), NOW, order_id)
end
redis.call('HSET', K.order(order_id), 'channel', ARGV[3], 'external_id', ARGV[4],
  'status', status, 'reason', reason, 'lines', ARGV[5], 'units', units, 'picked_units', 0,
  'short_units', 0, 'created_ms', NOW, 'priority', ARGV[6], 'due', ARGV[7],
  'customer', ARGV[8], 'wave', '', 'urgency', ARGV[9], 'shop', shop)
if (ARGV[12] or '') ~= '' then redis.call('HSET', K.order(order_id), 'carrier', ARGV[12]) end
redis.call('SET', ext, order_id)
emit('order_received', {order_id = order_id, channel = ARGV[3], external_id = ARGV[4],
  status = status, units = units, reason = reason})
return {'ok', order_id}
