-- adjust_stock.lua: a receipt (+) or adjustment (+/-) of one SKU at one location, with a reason.
-- Idempotent on the command id. Refuses to take a location below its allocated units or the
-- SKU's on-hand below its reservations (available never goes negative).
-- KEYS[1] events stream
-- ARGV[3] command_id  ARGV[4] sku  ARGV[5] location  ARGV[6] delta  ARGV[7] reason  ARGV[8] actor
-- ARGV[9] ttl seconds
-- returns {'ok', result JSON} | {'exists', result JSON} | {'unknown_sku', sku}
--       | {'insufficient_stock', reason}
local cmd = K.command(ARGV[3])
local prev = redis.call('GET', cmd)
if prev then return {'exists', prev} end
local sku, loc, delta = ARGV[4], ARGV[5], tonumber(ARGV[6])
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
redis.call('HINCRBY', K.sku(sku), 'on_hand', delta)
local result = cjson.encode({command_id = ARGV[3], sku = sku, location = loc, delta = delta,
  on_hand = on_hand + delta, reserved = reserved, available = on_hand + delta - reserved,
  location_on_hand = at + delta})
redis.call('SET', cmd, result, 'EX', tonumber(ARGV[9]))
emit('stock_adjusted', {command_id = ARGV[3], sku = sku, location = loc, delta = delta,
  reason = ARGV[7], by = ARGV[8], on_hand = on_hand + delta, available = on_hand + delta - reserved})
return {'ok', result}
