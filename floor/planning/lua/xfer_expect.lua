-- xfer_expect.lua (warehouse B, the target): a dispatched transfer is in transit into B.
-- requires: events, tasks, planning
-- Idempotent on the transfer id.
-- KEYS[1] events stream
-- ARGV[2] transfer id  ARGV[3] sku  ARGV[4] quantity  ARGV[5] from warehouse
-- returns {'ok', 'expected'} | {'exists', status} | {'unknown_sku', sku}
local key = K.transfer(ARGV[2])
local status = redis.call('HGET', key, 'status')
if status then return {'exists', status} end
if redis.call('EXISTS', K.sku(ARGV[3])) == 0 then return {'unknown_sku', ARGV[3]} end
state_add(ARGV[3], 'transit_in', tonumber(ARGV[4]))
redis.call('HSET', key, 'role', 'in', 'status', 'expected', 'sku', ARGV[3], 'quantity', tonumber(ARGV[4]),
  'from', ARGV[5], 'expected_ms', NOW)
redis.call('ZADD', K.transfers(), NOW, ARGV[2])
return {'ok', 'expected'}
