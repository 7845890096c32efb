-- lib/orders.lua: order settlement and reservation shedding.
-- requires: events, ledger
-- Mark an order picked once every unit is picked or backordered.
local function settle_order(order_id)
  local o = redis.call('HMGET', K.order(order_id), 'units', 'picked_units', 'short_units', 'status')
  if o[4] ~= 'released' then return end
  local units, picked, short = tonumber(o[1]), tonumber(o[2]), tonumber(o[3])
  if picked + short >= units then
    local status = 'picked'
    if short > 0 then status = 'picked_short' end
    redis.call('HSET', K.order(order_id), 'status', status, 'picked_ms', NOW)
    emit('order_picked', {order_id = order_id, status = status, picked_units = picked,
      short_units = short})
  end
end

-- After stock was lost, release reservations of not-yet-released orders (least urgent first)
-- until on hand covers reserved again, so that available never stays below zero. Those orders
-- go back to backordered with the reason. Returns the number of orders backordered.
local function shed_reservations(sku, reason)
  local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved', 'unavailable')
  local deficit = tonumber(st[2]) + tonumber(st[3] or '0') - tonumber(st[1])
  if deficit <= 0 then return 0 end
  local shed = 0
  for _, order_id in ipairs(redis.call('ZREVRANGE', K.orders_reserved(), 0, 999)) do
    if deficit <= 0 then break end
    local lines = cjson.decode(redis.call('HGET', K.order(order_id), 'lines'))
    local wanted = 0
    for _, line in ipairs(lines) do
      if line[1] == sku then wanted = wanted + line[2] end
    end
    if wanted > 0 then
      for _, line in ipairs(lines) do
        ledger_move(line[1], 'reserved', -line[2], 'release', order_id)
      end
      redis.call('ZREM', K.orders_reserved(), order_id)
      redis.call('ZADD', K.orders_backordered(), NOW, order_id)
      redis.call('HSET', K.order(order_id), 'status', 'backordered', 'reason', reason)
      emit('order_backordered', {order_id = order_id, reason = reason})
      deficit, shed = deficit - wanted, shed + 1
    end
  end
  return shed
end
