-- intake_order.lua: accept a canonical order and reserve all its lines, or hold it backordered.
-- Idempotent on (channel, external id): a repeat returns the first order id, reserves nothing.
-- KEYS[1] events stream
-- ARGV[3] order_id  ARGV[4] channel  ARGV[5] external_id  ARGV[6] lines JSON [[sku, qty], ...]
-- ARGV[7] priority  ARGV[8] due ('' = none)  ARGV[9] customer  ARGV[10] urgency score
-- returns {'ok', order_id} | {'exists', order_id} | {'unknown_sku', sku}
local order_id = ARGV[3]
local ext = K.order_ext(ARGV[4], ARGV[5])
local existing = redis.call('GET', ext)
if existing then return {'exists', existing} end

local lines = cjson.decode(ARGV[6])
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
  redis.call('ZADD', K.orders_reserved(), ARGV[10], order_id)
else
  status = 'backordered'
  reason = 'insufficient stock: ' .. table.concat(short, '; ')
  redis.call('ZADD', K.orders_backordered(), NOW, order_id)
end
redis.call('HSET', K.order(order_id), 'channel', ARGV[4], 'external_id', ARGV[5],
  'status', status, 'reason', reason, 'lines', ARGV[6], 'units', units, 'picked_units', 0,
  'short_units', 0, 'created_ms', NOW, 'priority', ARGV[7], 'due', ARGV[8],
  'customer', ARGV[9], 'wave', '', 'urgency', ARGV[10])
redis.call('SET', ext, order_id)
emit('order_received', {order_id = order_id, channel = ARGV[4], external_id = ARGV[5],
  status = status, units = units, reason = reason})
return {'ok', order_id}
