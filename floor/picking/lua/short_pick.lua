-- short_pick.lua: the picker finds fewer units at the current step's location than expected.
-- requires: events, stock, orders, tasks
-- Records a short_pick floor exception, corrects the location's stock to what was found,
-- re-allocates the missing units from other locations (new steps appended to the task) as far
-- as free stock allows, and backorders the rest of the line. Idempotent on the request id
-- (it shares the scan id space of the picker).
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] task_id  ARGV[4] request_id  ARGV[5] step index  ARGV[6] found units
-- ARGV[7] exception_id  ARGV[8] ttl seconds
-- returns {0, result JSON} | {1, first result JSON} | {'error_code', reason}
local picker, task_id, request_id = ARGV[2], ARGV[3], ARGV[4]
local request_key = K.scan(picker, request_id)
local first = redis.call('GET', request_key)
if first then return {1, first} end
local task_key = K.task(task_id)
local t = redis.call('HMGET', task_key, 'picker', 'status', 'step', 'picked', 'n_steps', 'wave')
if t[1] ~= picker or t[2] ~= 'assigned' then return {'not_your_task', task_id} end
local task_kind = redis.call('HGET', task_key, 'kind') or 'pick' -- issue 11: a put-wall sort has no bins
if task_kind == 'sort' then return {'conflict', 'a sort task has no short pick: report a problem'} end
local index, picked = tonumber(t[3]), tonumber(t[4])
if tonumber(ARGV[5]) ~= index then
  return {'stale_step', 'the task is at step ' .. index .. ', not ' .. ARGV[5]}
end
local steps_key = K.steps(task_id)
local step = cjson.decode(redis.call('LINDEX', steps_key, index))
local remaining = step.quantity - picked
local found = tonumber(ARGV[6])
if found >= remaining then
  return {'not_short', 'found ' .. found .. ' but only ' .. remaining .. ' are still to pick here'}
end
local sku, loc, missing = step.sku, step.location, remaining - found

-- The location physically holds `found`: book the loss.
local at = tonumber(redis.call('HGET', K.sku_bins(sku), loc) or '0')
local lost = math.max(at - found, 0)
set_location_stock(sku, loc, found)
local on_hand = ledger_move(sku, 'on_hand', -lost, 'adjust', request_id)
if redis.call('HINCRBY', K.sku_alloc(sku), loc, -missing) <= 0 then
  redis.call('HDEL', K.sku_alloc(sku), loc)
end
shed_reservations(sku, 'stock of ' .. sku .. ' lost at ' .. loc .. ' (short pick)')
local reserved = tonumber(redis.call('HGET', K.sku(sku), 'reserved'))
emit('stock_adjusted', {command_id = request_id, sku = sku, location = loc, delta = -lost,
  reason = 'short_pick', by = picker, on_hand = on_hand, available = on_hand - reserved})

-- Re-allocate what other locations can give, without letting available go below zero.
local can_relocate = missing - math.max(0, reserved - on_hand)
local relocated, new_steps, sources = 0, 0, {}
if can_relocate > 0 then
  local bins = redis.call('HGETALL', K.sku_bins(sku))
  for i = 1, #bins, 2 do
    local other = bins[i]
    if other ~= loc and relocated < can_relocate then
      local free = tonumber(bins[i + 1]) -
        tonumber(redis.call('HGET', K.sku_alloc(sku), other) or '0')
      local take = math.min(free, can_relocate - relocated)
      if take > 0 then
        redis.call('HINCRBY', K.sku_alloc(sku), other, take)
        local extra = {location = other, sku = sku, gtin = step.gtin, quantity = take,
          order_id = step.order_id, line = step.line, tote = step.tote, lot = step.lot,
          name = step.name}
        redis.call('RPUSH', steps_key, cjson.encode(extra))
        relocated, new_steps = relocated + take, new_steps + 1
        sources[#sources + 1] = other .. ' x' .. take
      end
    end
  end
end
local backordered = missing - relocated
local batch = redis.call('HGET', task_key, 'batch') -- issue 11: a pick-and-sort tour
local shorted = {}
if backordered > 0 and batch and batch ~= '' then
  -- SKU totals: the units missing are taken off the last orders (slots) of the sort task wanting
  -- this SKU, each backordered as much as it loses; its sort steps shrink to match.
  local sort_steps, left = redis.call('LRANGE', K.steps(batch), 0, -1), backordered
  for i = #sort_steps, 1, -1 do
    local s = cjson.decode(sort_steps[i])
    if left > 0 and s.sku == sku and s.quantity > 0 then
      local take = math.min(left, s.quantity)
      s.quantity, left = s.quantity - take, left - take
      redis.call('LSET', K.steps(batch), i - 1, cjson.encode(s))
      ledger_move(sku, 'reserved', -take, 'release', s.order_id)
      redis.call('HINCRBY', K.order(s.order_id), 'short_units', take)
      shorted[#shorted + 1] = s.order_id
    end
  end
  redis.call('HINCRBY', K.wave(t[6]), 'short_units', backordered)
elseif backordered > 0 then
  ledger_move(sku, 'reserved', -backordered, 'release', step.order_id)
  redis.call('HINCRBY', K.order(step.order_id), 'short_units', backordered)
  redis.call('HINCRBY', K.wave(t[6]), 'short_units', backordered)
end

-- Shrink the current step to what can still be picked here; advance if nothing can.
step.quantity = picked + found
redis.call('LSET', steps_key, index, cjson.encode(step))
local n_steps = tonumber(t[5]) + new_steps
redis.call('HSET', task_key, 'n_steps', n_steps)
local task_done = false
if picked >= step.quantity then
  index = index + 1
  redis.call('HSET', task_key, 'step', index, 'picked', 0, 'at_loc', 0)
  task_done = index >= n_steps
end
if backordered > 0 and #shorted > 0 then
  for _, order_id in ipairs(shorted) do settle_order(order_id) end
elseif backordered > 0 then
  settle_order(step.order_id)
end

local detail = 'expected ' .. remaining .. ' at ' .. loc .. ', found ' .. found
if relocated > 0 then detail = detail .. '; re-allocated from ' .. table.concat(sources, ', ') end
if backordered > 0 then detail = detail .. '; backordered ' .. backordered end
local exception_id = ARGV[7]
redis.call('HSET', K.exception(exception_id), 'kind', 'short_pick', 'status', 'raised',
  'raised_ms', NOW, 'picker', picker, 'task_id', task_id, 'location', loc, 'sku', sku,
  'detail', detail, 'by', '', 'note', '', 'raised_by', picker, 'ref', request_id)
redis.call('ZADD', K.exceptions_open(), NOW, exception_id)
emit('exception_raised', {exception_id = exception_id, kind = 'short_pick', status = 'raised',
  raised_ms = NOW, picker = picker, task_id = task_id, location = loc, sku = sku, detail = detail,
  raised_by = picker, reference = request_id})
if task_done then
  finish_tour(task_id, picker, t[6]) -- issue 11: releases a batch tour's sort task, hands zone totes on
else
  emit('task_updated', {task_id = task_id, picker = picker})
end
local out = cjson.encode({type = 'short_pick_recorded', request_id = request_id,
  task_id = task_id, exception_id = exception_id, relocated = relocated,
  backordered = backordered, task_done = task_done})
redis.call('SET', request_key, out, 'EX', tonumber(ARGV[8]))
return {0, out}
