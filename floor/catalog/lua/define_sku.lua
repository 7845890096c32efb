-- define_sku.lua: create or rename a SKU; stock counters start at 0 and are never reset here.
-- requires: (none)
-- KEYS[1] events stream
-- ARGV[2] sku  ARGV[3] gtin14  ARGV[4] name  ARGV[5] weight_g
-- returns {'ok', sku} | {'gtin_taken', other_sku}
local sku, gtin = ARGV[2], ARGV[3]
local owner = redis.call('HGET', K.gtin(), gtin)
if owner and owner ~= sku then return {'gtin_taken', owner} end
local old = redis.call('HGET', K.sku(sku), 'gtin')
if old and old ~= gtin then redis.call('HDEL', K.gtin(), old) end
redis.call('HSET', K.sku(sku), 'gtin', gtin, 'name', ARGV[4], 'weight_g', ARGV[5])
redis.call('HSETNX', K.sku(sku), 'on_hand', 0)
redis.call('HSETNX', K.sku(sku), 'reserved', 0)
redis.call('HSET', K.gtin(), gtin, sku)
return {'ok', sku}
