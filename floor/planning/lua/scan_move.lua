-- scan_move.lua: one scan of a replenish or putaway task (the same verdict frame as a pick scan,
-- requires: events, tasks, planning
-- with `kind`). A repeated scan id returns the first verdict and changes nothing.
-- Replenish: every step but the last takes units from a reserve location (reserve -> carried),
-- the last puts them on the pick face (carried -> on hand). Putaway: one step puts received
-- units (receiving -> the location). Each item scan moves its units atomically; a finished task
-- hands the worker the next task.
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] task_id ('' = current)  ARGV[4] scan_id  ARGV[5] kind (location|item|unknown)
-- ARGV[6] code  ARGV[7] quantity  ARGV[8] ttl seconds  ARGV[9] raw barcode
-- returns {0, verdict JSON} | {1, first verdict JSON}
local picker, scan_id = ARGV[2], ARGV[4]
local scan_key = K.scan(picker, scan_id)
local first = redis.call('GET', scan_key)
if first then return {1, first} end
local task_id = ARGV[3]
if task_id == '' then task_id = redis.call('HGET', K.picker(picker), 'task') or '' end
local task_key = K.task(task_id)
local t = redis.call('HMGET', task_key, 'picker', 'status', 'step', 'picked', 'at_loc', 'n_steps', 'kind')
local result = {type = 'verdict', scan_id = scan_id, task_id = task_id, barcode = ARGV[9],
  kind = t[7] or 'pick'}
local verdict
if t[1] ~= picker or t[2] ~= 'assigned' or (t[7] ~= 'replenish' and t[7] ~= 'putaway') then
  verdict = 'not_your_task'
else
  local index, picked, at_loc, n_steps = tonumber(t[3]), tonumber(t[4]), t[5] == '1', tonumber(t[6])
  local step = cjson.decode(redis.call('LINDEX', K.steps(task_id), index))
  local kind, code, qty = ARGV[5], ARGV[6], tonumber(ARGV[7])
  local putting = t[7] == 'putaway' or index == n_steps - 1
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
    elseif picked + qty > step.quantity then verdict = 'over_pick'
    else
      verdict = 'ok'
      local sku, loc = step.sku, step.location
      if putting then
        if t[7] == 'putaway' then state_add(sku, 'receiving', -qty) else state_add(sku, 'carried', -qty) end
        local on_hand = add_units(sku, loc, qty)
        local reserved = tonumber(redis.call('HGET', K.sku(sku), 'reserved') or '0')
        emit('stock_adjusted', {command_id = scan_id, sku = sku, location = loc, delta = qty,
          reason = t[7], by = picker, on_hand = on_hand, available = on_hand - reserved})
      else
        add_units(sku, loc, -qty)
        if redis.call('HINCRBY', K.reserve_alloc(sku), loc, -qty) <= 0 then
          redis.call('HDEL', K.reserve_alloc(sku), loc)
        end
        state_add(sku, 'carried', qty)
      end
      picked = picked + qty
      if picked >= step.quantity then
        index, picked, at_loc = index + 1, 0, false
        task_done = index >= n_steps
      end
      redis.call('HSET', task_key, 'step', index, 'picked', picked, 'at_loc', at_loc and 1 or 0)
      if task_done then
        complete_move_task(task_id, picker)
      else
        step = cjson.decode(redis.call('LINDEX', K.steps(task_id), index))
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
redis.call('SET', scan_key, out, 'EX', tonumber(ARGV[8]))
return {0, out}
