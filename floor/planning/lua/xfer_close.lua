-- xfer_close.lua (warehouse A): B received the transfer: A's transit_out is released and the
-- requires: events, tasks, planning
-- outcome recorded on A's side. Idempotent on the transfer id.
-- KEYS[1] events stream
-- ARGV[2] transfer id  ARGV[3] good  ARGV[4] short  ARGV[5] damaged
-- returns {'ok', 'closed'} | {'exists', status} | {'not_found', id} | {'conflict', status}
local key = K.transfer(ARGV[2])
local t = redis.call('HMGET', key, 'status', 'sku', 'quantity')
if not t[1] then return {'not_found', ARGV[2]} end
if t[1] == 'closed' then return {'exists', 'closed'} end
if t[1] ~= 'dispatched' then return {'conflict', 'transfer ' .. ARGV[2] .. ' is ' .. t[1]} end
state_add(t[2], 'transit_out', -tonumber(t[3]))
redis.call('HSET', key, 'status', 'closed', 'closed_ms', NOW, 'good', tonumber(ARGV[3]),
  'short', tonumber(ARGV[4]), 'damaged', tonumber(ARGV[5]))
return {'ok', 'closed'}
