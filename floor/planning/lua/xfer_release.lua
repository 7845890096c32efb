-- xfer_release.lua (warehouse A, the source): a transfer's units leave A's available (reserved,
-- requires: events, tasks, planning
-- transfer_reserved). Idempotent on the transfer id: a repeat returns the record's status.
-- KEYS[1] events stream
-- ARGV[2] transfer id  ARGV[3] sku  ARGV[4] quantity  ARGV[5] to warehouse  ARGV[6] by
-- returns {'ok', 'released'} | {'exists', status} | {'unknown_sku', sku} | {'insufficient_stock', reason}
local key = K.transfer(ARGV[2])
local status = redis.call('HGET', key, 'status')
if status then return {'exists', status} end
local sku, qty = ARGV[3], tonumber(ARGV[4])
local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved')
if not st[1] then return {'unknown_sku', sku} end
local available = tonumber(st[1]) - tonumber(st[2])
if available < qty then
  return {'insufficient_stock', sku .. ' has ' .. available .. ' available, the transfer needs ' .. qty}
end
redis.call('HINCRBY', K.sku(sku), 'reserved', qty)
state_add(sku, 'transfer_reserved', qty)
redis.call('HSET', key, 'role', 'out', 'status', 'released', 'sku', sku, 'quantity', qty,
  'to', ARGV[5], 'by', ARGV[6], 'released_ms', NOW)
redis.call('ZADD', K.transfers(), NOW, ARGV[2])
return {'ok', 'released'}
