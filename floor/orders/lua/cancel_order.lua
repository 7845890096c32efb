-- cancel_order.lua: cancel a not-yet-released order and release its reservation through the ledger.
-- requires: events, ledger
-- Reserved (or held while reserved) orders give their units back (ledger kind 'release');
-- backordered ones just leave the backorder set. Released / picked orders are refused: their
-- units are on the floor and need a put-back (not done here). A repeat answers 'exists'.
-- KEYS[1] events stream
-- ARGV[2] order_id  ARGV[3] reason
-- returns {'ok', previous status} | {'exists', 'cancelled'} | {'not_found', id} | {'illegal_transition', status}
local order_id = ARGV[2]
local o = redis.call('HMGET', K.order(order_id), 'status', 'lines', 'held_from')
if not o[1] then return {'not_found', order_id} end
if o[1] == 'cancelled' then return {'exists', 'cancelled'} end
local reserved = o[1] == 'reserved' or (o[1] == 'held' and o[3] == 'reserved')
if not reserved and o[1] ~= 'backordered' and o[1] ~= 'held' then return {'illegal_transition', o[1]} end
if reserved then
  for _, line in ipairs(cjson.decode(o[2])) do
    ledger_move(line[1], 'reserved', -tonumber(line[2]), 'release', order_id)
  end
end
redis.call('ZREM', K.orders_reserved(), order_id)
redis.call('ZREM', K.orders_backordered(), order_id)
redis.call('HSET', K.order(order_id), 'status', 'cancelled', 'reason', ARGV[3], 'cancelled_ms', NOW)
return {'ok', o[1]}
