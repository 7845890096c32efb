-- ledger_compact.lua: fold the ledger entries up to one id into the base sums and trim them away.
-- requires: (none)
-- The caller summed the entries up to ARGV[2] (inclusive) per sku|field; this adds those sums to
-- K.ledger_base() and removes exactly those entries (Stream ids only grow: nothing at or before
-- ARGV[2] can be added later), so base + remaining entries = the whole ledger, drift included.
-- KEYS[1] events stream
-- ARGV[2] last entry id summed  ARGV[3] JSON [[sku, field, sum], ...]
-- returns {'ok', entries removed}
local last = ARGV[2]
local first = redis.call('XRANGE', K.ledger(), '-', '+', 'COUNT', 1)
if #first == 0 then return {'ok', 0} end
for _, row in ipairs(cjson.decode(ARGV[3])) do
  if tonumber(row[3]) ~= 0 then
    redis.call('HINCRBY', K.ledger_base(), row[1] .. '|' .. row[2], tonumber(row[3]))
  end
end
local ms, seq = string.match(last, '^(%d+)-(%d+)$')
local removed = redis.call('XTRIM', K.ledger(), 'MINID', ms .. '-' .. (tonumber(seq) + 1))
return {'ok', removed}
