-- add_on_order.lua: units ordered from a vendor (the SKU's on_order goes up). Idempotent on
-- requires: events, tasks, planning
-- (sender, command id); the low-stock check runs (inventory position counts on_order).
-- KEYS[1] events stream
-- ARGV[2] command id  ARGV[3] sender  ARGV[4] sku  ARGV[5] quantity  ARGV[6] ttl seconds
-- returns {'ok', on_order} | {'exists', on_order} | {'unknown_sku', sku}
local cmd = K.command('on_order', ARGV[3], ARGV[2])
local prev = redis.call('GET', cmd)
if prev then return {'exists', prev} end
if redis.call('EXISTS', K.sku(ARGV[4])) == 0 then return {'unknown_sku', ARGV[4]} end
local on_order = state_add(ARGV[4], 'on_order', tonumber(ARGV[5]))
redis.call('SET', cmd, on_order, 'EX', tonumber(ARGV[6]))
return {'ok', on_order}
