-- scan.lua: validate one scan against the picker's task and apply it. The hot path.
-- requires: events, stock, orders, tasks
-- A repeated scan id returns the first verdict and changes nothing.
-- Location scans confirm the picker is at the current step's location; item scans (GTIN-14,
-- with optional lot/expiry) pick units: stock, allocation, order and wave progress move here,
-- the step advances when its quantity is reached, and a finished task hands out the next one.
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] task_id ('' = the picker's current task)  ARGV[4] scan_id
-- ARGV[5] kind (location|item|unknown)  ARGV[6] code  ARGV[7] quantity  ARGV[8] lot
-- ARGV[9] expiry YYYYMMDD ('' = none)  ARGV[10] today YYYYMMDD (warehouse time zone)  ARGV[11] ttl seconds  ARGV[12] raw barcode
-- returns {0, verdict JSON} for a new scan, {1, first verdict JSON} for a repeat
local picker, scan_id = ARGV[2], ARGV[4]
local scan_key = K.scan(picker, scan_id)
local first = redis.call('GET', scan_key)
if first then return {1, first} end

local task_id = ARGV[3]
if task_id == '' then task_id = redis.call('HGET', K.picker(picker), 'task') or '' end
local result = {type = 'verdict', scan_id = scan_id, task_id = task_id, barcode = ARGV[12]}
local task_key = K.task(task_id)
local t = redis.call('HMGET', task_key, 'picker', 'status', 'step', 'picked', 'at_loc',
  'n_steps', 'wave')
local verdict
if t[1] ~= picker or t[2] ~= 'assigned' then
  verdict = 'not_your_task'
else
  local index, picked, at_loc = tonumber(t[3]), tonumber(t[4]), t[5] == '1'
  local steps_key = K.steps(task_id)
  local step = cjson.decode(redis.call('LINDEX', steps_key, index))
  local kind, code, qty = ARGV[5], ARGV[6], tonumber(ARGV[7])
  local task_done = false
  if kind == 'location' then
    if code == step.location then
      verdict = 'ok'
      if not at_loc then at_loc = true; redis.call('HSET', task_key, 'at_loc', 1) end
    else
      verdict = 'wrong_location'
    end
  elseif kind == 'item' then
    if code ~= step.gtin then verdict = 'wrong_item'
    elseif not at_loc then verdict = 'scan_location_first'
    elseif step.lot ~= '' and ARGV[8] ~= step.lot then verdict = 'wrong_lot'
    elseif ARGV[9] ~= '' and ARGV[9] < ARGV[10] then verdict = 'expired_lot'
    elseif picked + qty > step.quantity then verdict = 'over_pick'
    else
      verdict = 'ok'
      picked = picked + qty
      consume_stock(step.sku, step.location, qty)
      redis.call('HINCRBY', K.order(step.order_id), 'picked_units', qty)
      redis.call('HINCRBY', K.wave(t[7]), 'picked_units', qty)
      emit_unit('picked', {task_id = task_id, picker = picker, sku = step.sku,
        location = step.location, quantity = qty, order_id = step.order_id, scan_id = scan_id})
      if picked >= step.quantity then
        settle_order(step.order_id)
        index, picked, at_loc = index + 1, 0, false
        if index >= tonumber(t[6]) then task_done = true end
      end
      redis.call('HSET', task_key, 'step', index, 'picked', picked, 'at_loc', at_loc and 1 or 0)
      if task_done then
        complete_task(task_id, picker, t[7])
      else
        step = cjson.decode(redis.call('LINDEX', steps_key, index))
      end
    end
  else
    verdict = 'unknown_barcode'
  end
  result.step = index
  result.picked = picked
  result.at_location = at_loc
  result.task_done = task_done
  if not task_done then result.expected = step end
end
result.verdict = verdict
redis.call('HINCRBY', K.verdicts(), verdict, 1)
local out = cjson.encode(result)
redis.call('SET', scan_key, out, 'EX', tonumber(ARGV[11]))
return {0, out}
