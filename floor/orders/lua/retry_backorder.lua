-- retry_backorder.lua: try again to reserve a backordered order (after a receipt).
-- requires: events, ledger
-- KEYS[1] events stream
-- ARGV[2] order_id  ARGV[3] allowed from-states JSON (from the order lifecycle)
-- returns {'ok', 'reserved'} | {'ok', 'backordered'} | {'illegal_transition', status}
local order_id = ARGV[2]
local o = redis.call('HMGET', K.order(order_id), 'status', 'lines', 'urgency')
if not o[1] then return {'not_found', order_id} end
if not set_of(ARGV[3])[o[1]] then return {'illegal_transition', o[1]} end
local need, skus = {}, {}
for _, line in ipairs(cjson.decode(o[2])) do
  local sku = line[1]
  if need[sku] == nil then need[sku] = 0; skus[#skus + 1] = sku end
  need[sku] = need[sku] + tonumber(line[2])
end
for _, sku in ipairs(skus) do
  if sellable(sku, false) < need[sku] then return {'ok', 'backordered'} end
end
for _, sku in ipairs(skus) do ledger_move(sku, 'reserved', need[sku], 'reserve', order_id) end
redis.call('ZREM', K.orders_backordered(), order_id)
redis.call('ZADD', K.orders_reserved(), o[3], order_id)
redis.call('HSET', K.order(order_id), 'status', 'reserved', 'reason', '')
emit('order_reserved', {order_id = order_id})
return {'ok', 'reserved'}
