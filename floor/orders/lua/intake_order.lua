-- intake_order.lua: accept a canonical order and reserve all its lines, or hold it backordered.
-- requires: events
-- Idempotent on (channel, shop, external id): a repeat returns the first order id, reserves nothing.
-- KEYS[1] events stream
-- ARGV[2] order_id  ARGV[3] channel  ARGV[4] external_id  ARGV[5] lines JSON [[sku, qty], ...]
-- ARGV[6] priority  ARGV[7] due ('' = none)  ARGV[8] customer  ARGV[9] urgency score
-- ARGV[10] shop ('' = the channel's only shop; ids of different shops never collide)
-- returns {'ok', order_id} | {'exists', order_id} | {'unknown_sku', sku}
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

local short = {}
for _, sku in ipairs(skus) do
  local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved')
  if not st[1] then return {'unknown_sku', sku} end
  local available = tonumber(st[1]) - tonumber(st[2])
  if available < need[sku] then
    short[#short + 1] = sku .. ' needs ' .. need[sku] .. ', available ' .. available
  end
end

local status, reason = 'reserved', ''
if #short == 0 then
  for _, sku in ipairs(skus) do redis.call('HINCRBY', K.sku(sku), 'reserved', need[sku]) end
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
redis.call('SET', ext, order_id)
emit('order_received', {order_id = order_id, channel = ARGV[3], external_id = ARGV[4],
  status = status, units = units, reason = reason})
return {'ok', order_id}
