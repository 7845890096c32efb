-- lib/ledger.lua: the append-only stock ledger next to the sku counters, and the ATS dirty mark.
-- requires: (none)
-- Invariant: every move of a counter of K.sku(sku) (on_hand, reserved, unavailable) goes through
-- `ledger_move`, which moves the counter AND appends the same delta to the warehouse's ledger
-- Stream in the same script, so the sum of the ledger re-derives every counter
-- (floor.availability check). It also marks the SKU dirty for the stock push. kind is one of
-- reserve | commit | release | adjust | import | unavailable | compensate; ref names the cause
-- (order id, command id).
local function ledger_move(sku, field, delta, kind, ref)
  delta = tonumber(delta)
  if delta == 0 then return tonumber(redis.call('HGET', K.sku(sku), field) or '0') end
  local value = redis.call('HINCRBY', K.sku(sku), field, delta)
  redis.call('XADD', K.ledger(), '*', 's', sku, 'f', field, 'd', delta, 'k', kind, 'r', ref or '')
  redis.call('SADD', K.ats_dirty(), sku)
  return value
end

-- Units of `sku` that may still be promised: on hand - reserved - unavailable (- safety when asked).
local function sellable(sku, with_safety)
  local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved', 'unavailable', 'safety')
  if not st[1] then return nil end
  local free = tonumber(st[1]) - tonumber(st[2] or '0') - tonumber(st[3] or '0')
  if with_safety then free = free - tonumber(st[4] or '0') end
  return free
end
