-- common.lua: prepended (after the generated K table) to every script.
-- ARGV[1] = key prefix "{W}:", ARGV[2] = now in epoch milliseconds; scripts read from ARGV[3].
local NOW = tonumber(ARGV[2])
local STREAM_MAXLEN = 1000000

local function emit(kind, data)
  return redis.call('XADD', K.events(), 'MAXLEN', '~', STREAM_MAXLEN, '*', 'type', kind,
    'data', cjson.encode(data))
end

-- Give `picker` the next ready task, or mark the picker idle. Returns the task id or false.
local function assign_next(picker)
  local popped = redis.call('ZPOPMIN', K.tasks_ready())
  if #popped == 0 then
    redis.call('SADD', K.pickers_idle(), picker)
    return false
  end
  local task_id = popped[1]
  redis.call('HSET', K.task(task_id), 'status', 'assigned', 'picker', picker, 'assigned_ms', NOW)
  redis.call('HSET', K.picker(picker), 'task', task_id)
  redis.call('SREM', K.pickers_idle(), picker)
  emit('task_assigned', {task_id = task_id, picker = picker,
    wave_id = redis.call('HGET', K.task(task_id), 'wave')})
  return task_id
end

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

-- Close a finished task, progress its wave, and hand the picker the next task.
local function complete_task(task_id, picker, wave_id)
  redis.call('HSET', K.task(task_id), 'status', 'completed', 'completed_ms', NOW)
  redis.call('HDEL', K.picker(picker), 'task')
  emit('task_completed', {task_id = task_id, picker = picker, wave_id = wave_id})
  local open = redis.call('HINCRBY', K.wave(wave_id), 'tasks_open', -1)
  if open <= 0 then
    redis.call('HSET', K.wave(wave_id), 'status', 'completed', 'completed_ms', NOW)
    emit('wave_completed', {wave_id = wave_id})
  end
  return assign_next(picker)
end

-- Take `qty` picked units of `sku` off `loc`: on hand, reserved, location and allocation.
local function consume_stock(sku, loc, qty)
  redis.call('HINCRBY', K.sku(sku), 'on_hand', -qty)
  redis.call('HINCRBY', K.sku(sku), 'reserved', -qty)
  local left = redis.call('HINCRBY', K.sku_bins(sku), loc, -qty)
  if left <= 0 then
    redis.call('HDEL', K.sku_bins(sku), loc)
    redis.call('HDEL', K.bin(loc), sku)
  else
    redis.call('HSET', K.bin(loc), sku, left)
  end
  if redis.call('HINCRBY', K.sku_alloc(sku), loc, -qty) <= 0 then
    redis.call('HDEL', K.sku_alloc(sku), loc)
  end
end

local function set_location_stock(sku, loc, units)
  if units <= 0 then
    redis.call('HDEL', K.sku_bins(sku), loc)
    redis.call('HDEL', K.bin(loc), sku)
  else
    redis.call('HSET', K.sku_bins(sku), loc, units)
    redis.call('HSET', K.bin(loc), sku, units)
  end
end

local function set_of(json_list)
  local s = {}
  for _, v in ipairs(cjson.decode(json_list)) do s[v] = true end
  return s
end

-- After stock was lost, release reservations of not-yet-released orders (least urgent first)
-- until on hand covers reserved again, so that available never stays below zero. Those orders
-- go back to backordered with the reason. Returns the number of orders backordered.
local function shed_reservations(sku, reason)
  local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved')
  local deficit = tonumber(st[2]) - tonumber(st[1])
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
        redis.call('HINCRBY', K.sku(line[1]), 'reserved', -line[2])
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
