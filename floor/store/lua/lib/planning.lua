-- lib/planning.lua: stock states beyond on hand / reserved, pick face and reserve units, low-stock
-- requires: events, tasks
-- crossings and the non-pick tasks (replenish, putaway, count) sharing the pick task record.
-- States live on skustate:<sku> (warehouse totals per SKU) and locstate:<loc> ("<state>|<sku>").

local function state_add(sku, field, delta)
  if delta == 0 then return 0 end
  redis.call('SADD', K.planned_skus(), sku)
  return redis.call('HINCRBY', K.sku_state(sku), field, delta)
end

local function loc_state_add(loc, state, sku, delta)
  if delta == 0 then return end
  if redis.call('HINCRBY', K.loc_state(loc), state .. '|' .. sku, delta) <= 0 then
    redis.call('HDEL', K.loc_state(loc), state .. '|' .. sku)
  end
end

-- 'pick_face' or 'reserve': as onboarding recorded it, else by the code's form (W-Aaa-Ccc = face).
local function location_kind(loc)
  local kind = redis.call('HGET', K.locations(), loc)
  if kind then return kind end
  if string.match(loc, '%-A%d+%-C%d+$') then return 'pick_face' end
  return 'reserve'
end

local function units_at(sku, loc)
  if location_kind(loc) == 'pick_face' then
    return tonumber(redis.call('HGET', K.sku_bins(sku), loc) or '0')
  end
  return tonumber(redis.call('HGET', K.sku_reserve(sku), loc) or '0')
end

-- Add `delta` units of `sku` at `loc` (pick face: on hand moves too; reserve: not on hand).
local function add_units(sku, loc, delta)
  if location_kind(loc) == 'pick_face' then
    local left = redis.call('HINCRBY', K.sku_bins(sku), loc, delta)
    if left <= 0 then
      redis.call('HDEL', K.sku_bins(sku), loc)
      redis.call('HDEL', K.bin(loc), sku)
    else
      redis.call('HSET', K.bin(loc), sku, left)
    end
    return redis.call('HINCRBY', K.sku(sku), 'on_hand', delta)
  end
  local left = redis.call('HINCRBY', K.sku_reserve(sku), loc, delta)
  if left <= 0 then
    redis.call('HDEL', K.sku_reserve(sku), loc)
    redis.call('HDEL', K.reserve_bin(loc), sku)
  else
    redis.call('HSET', K.reserve_bin(loc), sku, left)
  end
  return tonumber(redis.call('HGET', K.sku(sku), 'on_hand') or '0')
end

local function reserve_total(sku)
  local total = 0
  for _, v in ipairs(redis.call('HVALS', K.sku_reserve(sku))) do total = total + tonumber(v) end
  return total
end

-- The stock level thresholds are compared with: usable units on the shelves (pick faces' on hand
-- + reserve - units held by a count). Reservations are not subtracted (a pick scan must be able
-- to cross a threshold); they count in the inventory position a purchase suggestion uses.
local function stock_level(sku)
  local on_hand = tonumber(redis.call('HGET', K.sku(sku), 'on_hand') or '0')
  local held = tonumber(redis.call('HGET', K.sku_state(sku), 'count_hold') or '0')
  return on_hand + reserve_total(sku) - held
end

local function next_id(prefix)
  return prefix .. NOW .. '-' .. redis.call('INCR', K.plan_seq())
end

local function record_suggestion(kind, data)
  local id = next_id('S')
  data.suggestion_id, data.kind, data.created_ms = id, kind, NOW
  redis.call('SET', K.suggestion(id), cjson.encode(data), 'EX', 30 * 86400)
  redis.call('ZADD', K.suggestions(), NOW, id)
  redis.call('ZREMRANGEBYRANK', K.suggestions(), 0, -5001)
  return id
end

local function raise_exception(kind, sku, loc, detail, ref)
  local id = next_id('X')
  redis.call('HSET', K.exception(id), 'kind', kind, 'status', 'raised', 'raised_ms', NOW,
    'picker', '', 'task_id', '', 'location', loc, 'sku', sku, 'detail', detail, 'by', '',
    'note', '', 'raised_by', 'planning', 'ref', ref)
  redis.call('ZADD', K.exceptions_open(), NOW, id)
  emit('exception_raised', {exception_id = id, kind = kind, status = 'raised', raised_ms = NOW,
    picker = '', task_id = '', location = loc, sku = sku, detail = detail,
    raised_by = 'planning', reference = ref})
  return id
end

-- Once per crossing: below the reorder point (or safety stock) raises one low_stock exception and
-- records a purchase suggestion; climbing back to or above the threshold re-arms it.
-- Returns the number of exceptions raised.
local function check_low(sku, ref)
  local s = redis.call('HMGET', K.sku_state(sku), 'reorder_point', 'safety', 'low_reorder',
    'low_safety', 'on_order', 'transit_in', 'order_qty')
  local reorder, safety = tonumber(s[1] or '0'), tonumber(s[2] or '0')
  if reorder <= 0 and safety <= 0 then return 0 end
  local available = stock_level(sku)
  local raised = 0
  local checks = {{'reorder_point', reorder, 'low_reorder', s[3]}, {'safety stock', safety, 'low_safety', s[4]}}
  for _, c in ipairs(checks) do
    local label, threshold, flag, was = c[1], c[2], c[3], c[4]
    if threshold > 0 then
      if available < threshold and was ~= '1' then
        redis.call('HSET', K.sku_state(sku), flag, 1)
        local reserved = tonumber(redis.call('HGET', K.sku(sku), 'reserved') or '0')
        local position = available - reserved + tonumber(s[5] or '0') + tonumber(s[6] or '0')
        local target = math.max(reorder, safety) + math.max(tonumber(s[7] or '0'), 0)
        local quantity = math.max(target - position, 0)
        local detail = sku .. ': ' .. available .. ' units in stock, below its ' .. label .. ' of ' ..
          threshold
        local exception_id = raise_exception('low_stock', sku, '', detail, ref)
        record_suggestion('purchase', {sku = sku, quantity = quantity, available = available,
          threshold = label, exception_id = exception_id, source = '', target = ''})
        raised = raised + 1
      elseif available >= threshold and was == '1' then
        redis.call('HSET', K.sku_state(sku), flag, 0)
      end
    end
  end
  return raised
end

local function step_json(loc, sku, qty)
  local a = redis.call('HMGET', K.sku(sku), 'gtin', 'name')
  return cjson.encode({location = loc, sku = sku, gtin = a[1] or '', quantity = qty,
    order_id = '', line = 0, tote = 1, lot = '', name = a[2] or ''})
end

-- A new non-pick task (kind replenish | putaway | count) in the ready queue; urgent ones first.
local function create_move_task(task_id, kind, steps, urgent, fields)
  -- FIFO within a millisecond too (urgent ones before every other task, in their own order)
  local position = (redis.call('INCR', K.plan_seq()) % 1000) / 1000
  if urgent then position = position + 1 else position = position + NOW end
  redis.call('HSET', K.task(task_id), 'kind', kind, 'wave', '', 'status', 'ready', 'picker', '',
    'step', 0, 'picked', 0, 'at_loc', 0, 'n_steps', #steps, 'released_ms', position,
    'created_ms', NOW, 'urgent', urgent and 1 or 0, unpack(fields))
  redis.call('RPUSH', K.steps(task_id), unpack(steps))
  redis.call('ZADD', K.tasks_ready(), position, task_id)
  redis.call('ZADD', K.move_tasks(), NOW, task_id)
end

local function complete_move_task(task_id, picker)
  redis.call('HSET', K.task(task_id), 'status', 'completed', 'completed_ms', NOW)
  redis.call('HDEL', K.picker(picker), 'task')
  redis.call('ZREM', K.move_tasks(), task_id)
  local open = redis.call('HGET', K.task(task_id), 'open_key')
  if open and open ~= '' then redis.call('DEL', open) end
  emit('task_completed', {task_id = task_id, picker = picker, wave_id = ''})
  return assign_next(picker)
end

-- Replenish pick face `face` of `sku` from reserve when it sits at or below its min (or when
-- `urgent`: a picker waits there). One open replenishment per SKU x face; an urgent call moves an
-- open one to the head of the queue. Returns the task id, or false.
local function plan_replenish(sku, face, urgent, task_id, wanted)
  local open_key = K.move_open('replenish', sku .. '|' .. face)
  local open = redis.call('GET', open_key)
  if open then
    if urgent and redis.call('ZSCORE', K.tasks_ready(), open) then
      redis.call('ZADD', K.tasks_ready(), 1, open)
      redis.call('HSET', K.task(open), 'urgent', 1, 'released_ms', 1)
    end
    return false
  end
  local lim = redis.call('HMGET', K.location(face), 'min_units', 'max_units', 'capacity')
  local min_units, max_units = tonumber(lim[1] or '0'), tonumber(lim[2] or '0')
  if max_units <= 0 then max_units = tonumber(lim[3] or '0') end
  local at = tonumber(redis.call('HGET', K.sku_bins(sku), face) or '0')
  if not urgent and (max_units <= 0 or at > min_units) then return false end
  local quantity = max_units - at
  if quantity < wanted then quantity = wanted end
  if quantity <= 0 then return false end
  local sources, steps, taken = redis.call('HGETALL', K.sku_reserve(sku)), {}, 0
  for i = 1, #sources, 2 do
    if taken < quantity then
      local loc = sources[i]
      local free = tonumber(sources[i + 1]) -
        tonumber(redis.call('HGET', K.reserve_alloc(sku), loc) or '0')
      local take = math.min(free, quantity - taken)
      if take > 0 then
        redis.call('HINCRBY', K.reserve_alloc(sku), loc, take)
        steps[#steps + 1] = step_json(loc, sku, take)
        taken = taken + take
      end
    end
  end
  if taken == 0 then return false end
  steps[#steps + 1] = step_json(face, sku, taken)
  create_move_task(task_id, 'replenish', steps, urgent, {'sku', sku, 'face', face,
    'quantity', taken, 'open_key', open_key})
  redis.call('SET', open_key, task_id)
  return task_id
end

-- A count task (kind count): one step per [location, sku] ('' = every SKU there), blind (the
-- steps carry quantity 0). Variances within tol_units or tol_pct % are booked at once.
local function create_count(task_id, targets, tol_units, tol_pct, reason, urgent)
  local steps = {}
  for _, t in ipairs(targets) do
    local gtin = ''
    if t[2] ~= '' then gtin = redis.call('HGET', K.sku(t[2]), 'gtin') or '' end
    steps[#steps + 1] = cjson.encode({location = t[1], sku = t[2], gtin = gtin, quantity = 0,
      order_id = '', line = 0, tote = 1, lot = '', name = ''})
  end
  create_move_task(task_id, 'count', steps, urgent, {'reason', reason})
  redis.call('HSET', K.count(task_id), 'status', 'open', 'tol_units', tol_units,
    'tol_pct', tol_pct, 'reason', reason, 'created_ms', NOW, 'targets', cjson.encode(targets))
  return task_id
end
