-- load_stock.lua: set the imported stock of a chunk of SKUs of one warehouse; each SKU all or
-- requires: events, ledger
-- nothing. Loaded like every script (floor/store/scripts.py).
-- Pick faces: the SKU's units there become the sum of the import's rows for it (the sku hash's
-- on_hand moves by the difference; skubins and bin hashes as adjust_stock keeps them), and a
-- stock_adjusted event (reason 'import') is appended per location that changed. Reserve
-- locations: skureserve / rbin only (not on hand: not pickable until replenished). Lots of the
-- named locations are replaced. Checked before a SKU is written: never below the units allocated
-- to open tasks, never on_hand below reserved (the guards of adjust_stock). Setting, not adding,
-- makes a retry of the same rows a no-op (delta 0, no event).
-- KEYS[1] events stream
-- ARGV[1] key prefix  ARGV[2] command id
-- ("import:<actor>:<import id>")  ARGV[3] actor
-- ARGV[4] JSON [[sku, [[location, kind, units, lot, expiry], ...]], ...]  (kind: pick_face | reserve)
-- returns {index, code, detail, ...} for the 1-based entries NOT written; code is
-- unknown_sku | below_allocated | below_reserved

local function load(sku, rows)
  local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved')
  if not st[1] then return 'unknown_sku', sku end
  local on_hand, reserved = tonumber(st[1]), tonumber(st[2])
  local units, kinds, order = {}, {}, {}
  for _, r in ipairs(rows) do
    local loc = r[1]
    if not units[loc] then
      units[loc], kinds[loc] = 0, r[2]
      order[#order + 1] = loc
    end
    units[loc] = units[loc] + r[3]
  end
  local deltas, total = {}, 0
  for _, loc in ipairs(order) do
    if kinds[loc] == 'pick_face' then
      local old = tonumber(redis.call('HGET', K.sku_bins(sku), loc) or '0')
      local allocated = tonumber(redis.call('HGET', K.sku_alloc(sku), loc) or '0')
      if units[loc] < allocated then
        return 'below_allocated', allocated .. ' units of ' .. sku .. ' at ' .. loc ..
          ' are allocated to open pick tasks'
      end
      deltas[loc] = units[loc] - old
      total = total + deltas[loc]
    end
  end
  if on_hand + total < reserved then
    return 'below_reserved', sku .. ' would have ' .. (on_hand + total) .. ' on hand but ' ..
      reserved .. ' are reserved for orders'
  end
  for _, field in ipairs(redis.call('HKEYS', K.sku_lots(sku))) do
    local loc = string.match(field, '^(.-)|')
    if loc and units[loc] then redis.call('HDEL', K.sku_lots(sku), field) end
  end
  for _, loc in ipairs(order) do
    if kinds[loc] == 'pick_face' then
      redis.call('HSET', K.sku_bins(sku), loc, units[loc])
      redis.call('HSET', K.bin(loc), sku, units[loc])
    else
      redis.call('HSET', K.sku_reserve(sku), loc, units[loc])
      redis.call('HSET', K.reserve_bin(loc), sku, units[loc])
    end
  end
  for _, r in ipairs(rows) do
    if r[4] ~= '' then
      redis.call('HINCRBY', K.sku_lots(sku), r[1] .. '|' .. r[4], r[3])
      if r[5] ~= '' then redis.call('HSET', K.lot_expiry(sku), r[4], r[5]) end
    end
  end
  if total ~= 0 then ledger_move(sku, 'on_hand', total, 'import', ARGV[2]) end
  local running = on_hand
  for _, loc in ipairs(order) do
    local delta = deltas[loc]
    if delta and delta ~= 0 then
      running = running + delta
      emit('stock_adjusted', {command_id = ARGV[2], sku = sku, location = loc, delta = delta,
        reason = 'import', by = ARGV[3], on_hand = running, available = running - reserved})
    end
  end
  return false
end

local failed = {}
for index, entry in ipairs(cjson.decode(ARGV[4])) do
  local code, detail = load(entry[1], entry[2])
  if code then
    failed[#failed + 1] = index
    failed[#failed + 1] = code
    failed[#failed + 1] = detail
  end
end
return failed
