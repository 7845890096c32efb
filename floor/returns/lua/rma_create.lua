-- rma_create.lua: a return authorisation (by hand, or from a channel's refund/return event).
-- requires: events, tasks, planning
-- Idempotent on (sender, the sender's reference): a repeat returns the first RMA id.
-- KEYS[1] events stream
-- ARGV[2] new rma id  ARGV[3] sender  ARGV[4] sender's reference  ARGV[5] channel
-- ARGV[6] order id ('' = unknown)  ARGV[7] JSON [[sku, quantity], ...]  ARGV[8] source (manual|channel)
-- ARGV[9] ttl seconds
-- returns {'ok', rma id} | {'exists', rma id} | {'unknown_sku', sku}
local cmd = K.command('rma', ARGV[3], ARGV[4])
local prev = redis.call('GET', cmd)
if prev then return {'exists', prev} end
local lines, units = cjson.decode(ARGV[7]), 0
for _, line in ipairs(lines) do
  if redis.call('EXISTS', K.sku(line[1])) == 0 then return {'unknown_sku', line[1]} end
  units = units + line[2]
end
redis.call('HSET', K.rma(ARGV[2]), 'status', 'open', 'channel', ARGV[5], 'reference', ARGV[4],
  'order_id', ARGV[6], 'lines', ARGV[7], 'units', units, 'received', 0, 'disposed', 0,
  'source', ARGV[8], 'created_ms', NOW, 'by', ARGV[3])
redis.call('ZADD', K.rmas(), NOW, ARGV[2])
redis.call('SET', cmd, ARGV[2], 'EX', tonumber(ARGV[9]))
return {'ok', ARGV[2]}
