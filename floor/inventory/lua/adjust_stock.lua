-- adjust_stock.lua: a receipt (+) or adjustment (+/-) of one SKU at one location, with a reason.
-- requires: events, stock
-- Idempotent on (sender, command id): two senders' ids never collide. Refuses to take a location below its allocated units or the
-- SKU's on-hand below its reservations (available never goes negative).
-- KEYS[1] events stream
-- ARGV[2] command_id  ARGV[3] sku  ARGV[4] location  ARGV[5] delta  ARGV[6] reason  ARGV[7] actor
-- ARGV[8] ttl seconds
-- returns {'ok', result JSON} | {'exists', result JSON} | {'unknown_sku', sku}
--       | {'insufficient_stock', reason}
local cmd = K.command('adjust_stock', ARGV[7], ARGV[2])
local prev = redis.call('GET', cmd)
if prev then return {'exists', prev} end
local sku, loc, delta = ARGV[3], ARGV[4], tonumber(ARGV[5])
local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved')
if not st[1] then return {'unknown_sku', sku} end
local on_hand, reserved = tonumber(st[1]), tonumber(st[2])
local at = tonumber(redis.call('HGET', K.sku_bins(sku), loc) or '0')
local allocated = tonumber(redis.call('HGET', K.sku_alloc(sku), loc) or '0')
if at + delta < allocated then
  return {'insufficient_stock', loc .. ' would hold ' .. (at + delta) .. ' units of ' .. sku ..
    ' but ' .. allocated .. ' are allocated to open pick tasks'}
end
if on_hand + delta < reserved then
  return {'insufficient_stock', sku .. ' would have ' .. (on_hand + delta) .. ' on hand but ' ..
    reserved .. ' are reserved for orders'}
end
set_location_stock(sku, loc, at + delta)
ledger_move(sku, 'on_hand', delta, 'adjust', ARGV[2])
local result = cjson.encode({command_id = ARGV[2], sku = sku, location = loc, delta = delta,
  on_hand = on_hand + delta, reserved = reserved, available = on_hand + delta - reserved,
  location_on_hand = at + delta})
redis.call('SET', cmd, result, 'EX', tonumber(ARGV[8]))
emit('stock_adjusted', {command_id = ARGV[2], sku = sku, location = loc, delta = delta,
  reason = ARGV[6], by = ARGV[7], on_hand = on_hand + delta, available = on_hand + delta - reserved})
return {'ok', result}
