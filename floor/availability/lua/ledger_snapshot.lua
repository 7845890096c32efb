-- ledger_snapshot.lua: the ledger's last entry id and the counters of the given SKUs, at one instant.
-- requires: (none)
-- The drift check sums the ledger up to that id: legitimate moves keep counter - ledger constant,
-- so anything left is drift.
-- KEYS[1] events stream
-- ARGV[2] JSON list of skus
-- returns {'ok', JSON {last = id or '0-0', skus = {sku = [on_hand, reserved, unavailable, safety, incoming]}}}
local last = redis.call('XREVRANGE', K.ledger(), '+', '-', 'COUNT', 1)
local out = {last = '0-0', skus = {}}
if #last > 0 then out.last = last[1][1] end
for _, sku in ipairs(cjson.decode(ARGV[2])) do
  local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved', 'unavailable', 'safety', 'incoming')
  if st[1] then
    out.skus[sku] = {tonumber(st[1]), tonumber(st[2] or '0'), tonumber(st[3] or '0'),
      tonumber(st[4] or '0'), tonumber(st[5] or '0')}
  end
end
return {'ok', cjson.encode(out)}
