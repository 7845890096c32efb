-- xfer_dispatch.lua (warehouse A): the released units are taken off A's pick faces (free units,
-- requires: events, tasks, planning
-- never those allocated to pick tasks) and are in transit out. Idempotent: a repeat once
-- dispatched (or later) returns the status and changes nothing.
-- KEYS[1] events stream
-- ARGV[2] transfer id  ARGV[3] by
-- returns {'ok', 'dispatched'} | {'exists', status} | {'not_found', id} | {'conflict', reason}
local key = K.transfer(ARGV[2])
local t = redis.call('HMGET', key, 'status', 'sku', 'quantity')
if not t[1] then return {'not_found', ARGV[2]} end
if t[1] ~= 'released' then return {'exists', t[1]} end
local sku, qty = t[2], tonumber(t[3])
local bins, takes, left = redis.call('HGETALL', K.sku_bins(sku)), {}, qty
for i = 1, #bins, 2 do
  if left > 0 then
    local free = tonumber(bins[i + 1]) - tonumber(redis.call('HGET', K.sku_alloc(sku), bins[i]) or '0')
    local take = math.min(free, left)
    if take > 0 then takes[#takes + 1] = {bins[i], take}; left = left - take end
  end
end
if left > 0 then return {'conflict', 'only ' .. (qty - left) .. ' free units of ' .. sku .. ' on the pick faces'} end
redis.call('HINCRBY', K.sku(sku), 'reserved', -qty)
state_add(sku, 'transfer_reserved', -qty)
state_add(sku, 'transit_out', qty)
for _, take in ipairs(takes) do
  local on_hand = add_units(sku, take[1], -take[2])
  local reserved = tonumber(redis.call('HGET', K.sku(sku), 'reserved'))
  emit('stock_adjusted', {command_id = ARGV[2], sku = sku, location = take[1], delta = -take[2],
    reason = 'transfer', by = ARGV[3], on_hand = on_hand, available = on_hand - reserved})
end
redis.call('HSET', key, 'status', 'dispatched', 'dispatched_ms', NOW, 'from_locations', cjson.encode(takes))
return {'ok', 'dispatched'}
