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

-- Two counters of one SKU moved by one cause (a pick's commit: on hand and reserved both go down):
-- one ledger entry carrying both deltas (f/d and f2/d2; floor/availability/store.py reads it as two
-- moves) and one dirty mark, instead of two of each: a picked unit is the scan path's commonest write.
local function ledger_move_pair(sku, field, delta, field2, delta2, kind, ref)
  delta, delta2 = tonumber(delta), tonumber(delta2)
  if delta == 0 or delta2 == 0 then
    ledger_move(sku, field, delta, kind, ref)
    ledger_move(sku, field2, delta2, kind, ref)
    return
  end
  local key = K.sku(sku)
  redis.call('HINCRBY', key, field, delta)
  redis.call('HINCRBY', key, field2, delta2)
  redis.call('XADD', K.ledger(), '*', 's', sku, 'f', field, 'd', delta, 'k', kind, 'r', ref or '',
    'f2', field2, 'd2', delta2)
  redis.call('SADD', K.ats_dirty(), sku)
end

-- Units of `sku` that may still be promised: on hand - reserved - unavailable (- safety when asked).
local function sellable(sku, with_safety)
  local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved', 'unavailable', 'safety')
  if not st[1] then return nil end
  local free = tonumber(st[1]) - tonumber(st[2] or '0') - tonumber(st[3] or '0')
  if with_safety then free = free - tonumber(st[4] or '0') end
  return free
end
