-- ledger_compensate.lua: append compensating ledger entries (counters untouched) so that the
-- requires: ledger
-- ledger re-derives the counters again. The deltas come from a drift check; since every legitimate
-- move keeps counter - ledger constant, a delta found at the snapshot still holds now.
-- KEYS[1] events stream
-- ARGV[2] JSON [[sku, field, delta], ...]  ARGV[3] ref (who ran the check)
-- returns {'ok', entries written}
local n = 0
for _, c in ipairs(cjson.decode(ARGV[2])) do
  if tonumber(c[3]) ~= 0 then
    redis.call('XADD', K.ledger(), '*', 's', c[1], 'f', c[2], 'd', c[3], 'k', 'compensate', 'r', ARGV[3])
    redis.call('SADD', K.ats_dirty(), c[1])
    n = n + 1
  end
end
return {'ok', n}
