-- set_stock_state.lua: set a SKU's unavailable units (damaged, quality hold), safety stock or incoming.
-- requires: ledger
-- unavailable is a counter: it moves by the difference through the ledger (kind 'unavailable');
-- safety and incoming are settings (no ledger entry). Every change marks the SKU dirty for the push.
-- KEYS[1] events stream
-- ARGV[2] sku  ARGV[3] unavailable ('' = keep)  ARGV[4] safety ('' = keep)  ARGV[5] incoming ('' = keep)
-- ARGV[6] ref (who / which command)
-- returns {'ok', state JSON} | {'unknown_sku', sku}
local sku = ARGV[2]
if redis.call('EXISTS', K.sku(sku)) == 0 then return {'unknown_sku', sku} end
if ARGV[3] ~= '' then
  local now = tonumber(redis.call('HGET', K.sku(sku), 'unavailable') or '0')
  ledger_move(sku, 'unavailable', tonumber(ARGV[3]) - now, 'unavailable', ARGV[6])
end
if ARGV[4] ~= '' then redis.call('HSET', K.sku(sku), 'safety', tonumber(ARGV[4])) end
if ARGV[5] ~= '' then redis.call('HSET', K.sku(sku), 'incoming', tonumber(ARGV[5])) end
redis.call('SADD', K.ats_dirty(), sku)
local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved', 'unavailable', 'safety', 'incoming')
return {'ok', cjson.encode({on_hand = tonumber(st[1] or '0'), reserved = tonumber(st[2] or '0'),
  unavailable = tonumber(st[3] or '0'), safety = tonumber(st[4] or '0'), incoming = tonumber(st[5] or '0')})}
