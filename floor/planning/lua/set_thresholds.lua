-- set_thresholds.lua: safety stock, reorder point and order quantity of one SKU (by hand or by
-- requires: events, tasks, planning
-- the forecast job), then the low-stock check at once (setting a threshold above the stock is
-- a crossing). Setting is idempotent (the same figures again change nothing).
-- KEYS[1] events stream
-- ARGV[2] sku  ARGV[3] safety  ARGV[4] reorder point  ARGV[5] order qty  ARGV[6] source
-- ARGV[7] abc class ('' = keep)  ARGV[8] xyz class ('' = keep)
-- returns {'ok', raised} | {'unknown_sku', sku}
local sku = ARGV[2]
if redis.call('EXISTS', K.sku(sku)) == 0 then return {'unknown_sku', sku} end
redis.call('SADD', K.planned_skus(), sku)
redis.call('HSET', K.sku_state(sku), 'safety', tonumber(ARGV[3]), 'reorder_point', tonumber(ARGV[4]),
  'order_qty', tonumber(ARGV[5]), 'threshold_source', ARGV[6], 'threshold_ms', NOW)
if ARGV[7] ~= '' then redis.call('HSET', K.sku_state(sku), 'abc', ARGV[7]) end
if ARGV[8] ~= '' then redis.call('HSET', K.sku_state(sku), 'xyz', ARGV[8]) end
return {'ok', check_low(sku, 'thresholds:' .. ARGV[6])}
