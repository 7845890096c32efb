-- put_skus.lua: create or update a chunk of SKUs of one warehouse, each all or nothing.
-- requires: (none)
-- Does per SKU what define_sku.lua does (the GTIN must be
-- free or already this SKU's; on_hand / reserved are created at 0 and never reset; a changed GTIN
-- frees the old one) plus the import's attributes and case / inner pack GTINs (pack_gtin hash).
-- KEYS[1] events stream (routes the call to the warehouse's slot; nothing is appended)
-- ARGV[1] key prefix
-- ARGV[2] JSON [[sku, gtin14, name, weight_g, {attribute = value ...}, case_gtin, case_units,
--                inner_gtin, inner_units], ...]
-- returns {index, code, detail, ...} for the 1-based entries NOT written (code: gtin_taken)
local failed = {}
local function owner_of(gtin)
  local unit = redis.call('HGET', K.gtin(), gtin)
  if unit then return unit end
  local pack = redis.call('HGET', K.pack_gtin(), gtin)
  if pack then return cjson.decode(pack).sku end
  return false
end
for index, e in ipairs(cjson.decode(ARGV[2])) do
  local sku, gtin = e[1], e[2]
  local taken = false
  for _, g in ipairs({gtin, e[6], e[8]}) do
    if g ~= '' then
      local owner = owner_of(g)
      if owner and owner ~= sku then taken = 'GTIN ' .. g .. ' belongs to SKU ' .. owner; break end
    end
  end
  if taken then
    failed[#failed + 1] = index
    failed[#failed + 1] = 'gtin_taken'
    failed[#failed + 1] = taken
  else
    local old = redis.call('HGET', K.sku(sku), 'gtin')
    if old and old ~= gtin then redis.call('HDEL', K.gtin(), old) end
    local packs = redis.call('HMGET', K.sku_attrs(sku), 'case_gtin', 'inner_gtin')
    for _, g in ipairs(packs) do
      if g and g ~= '' and g ~= e[6] and g ~= e[8] then redis.call('HDEL', K.pack_gtin(), g) end
    end
    redis.call('HSET', K.sku(sku), 'gtin', gtin, 'name', e[3], 'weight_g', e[4])
    redis.call('HSETNX', K.sku(sku), 'on_hand', 0)
    redis.call('HSETNX', K.sku(sku), 'reserved', 0)
    redis.call('HSET', K.gtin(), gtin, sku)
    local attrs = {'case_gtin', e[6], 'case_units', e[7], 'inner_gtin', e[8], 'inner_units', e[9]}
    for name, value in pairs(e[5]) do
      attrs[#attrs + 1] = name
      attrs[#attrs + 1] = value
    end
    redis.call('HSET', K.sku_attrs(sku), unpack(attrs))
    if e[6] ~= '' then
      redis.call('HSET', K.pack_gtin(), e[6], cjson.encode({sku = sku, units = e[7], pack = 'case'}))
    end
    if e[8] ~= '' then
      redis.call('HSET', K.pack_gtin(), e[8], cjson.encode({sku = sku, units = e[9], pack = 'inner'}))
    end
  end
end
return failed
