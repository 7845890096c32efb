-- hold_order.lua: hold a reserved or backordered floor order (it keeps its reservation but no wave
-- requires: (none)
-- takes it: it leaves orders:reserved / orders:backordered), or release a held one back where it was.
-- KEYS[1] events stream
-- ARGV[2] order_id  ARGV[3] 'hold' | 'release'  ARGV[4] reason
-- returns {'ok', new status} | {'exists', status} | {'not_found', id} | {'illegal_transition', status}
local order_id = ARGV[2]
local o = redis.call('HMGET', K.order(order_id), 'status', 'held_from', 'urgency', 'created_ms')
if not o[1] then return {'not_found', order_id} end
if ARGV[3] == 'hold' then
  if o[1] == 'held' then return {'exists', 'held'} end
  if o[1] ~= 'reserved' and o[1] ~= 'backordered' then return {'illegal_transition', o[1]} end
  redis.call('ZREM', K.orders_reserved(), order_id)
  redis.call('ZREM', K.orders_backordered(), order_id)
  redis.call('HSET', K.order(order_id), 'status', 'held', 'held_from', o[1], 'reason', ARGV[4])
  return {'ok', 'held'}
end
if o[1] ~= 'held' then return {'exists', o[1]} end
if o[2] == 'reserved' then
  redis.call('ZADD', K.orders_reserved(), o[3], order_id)
else
  redis.call('ZADD', K.orders_backordered(), o[4], order_id)
end
redis.call('HSET', K.order(order_id), 'status', o[2], 'held_from', '', 'reason', '')
return {'ok', o[2]}
