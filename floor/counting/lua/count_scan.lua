-- count_scan.lua: one scan of a blind count task. Location scan: at the step's location (the first
-- requires: events, tasks, planning
-- one starts the count there, a second one finishes it); item scan (GTIN-14): `quantity` units of
-- that SKU counted there. Finishing a location compares the counts with the units recorded there
-- at that moment: a variance within the task's tolerance is booked at once (stock_adjusted,
-- reason cycle_count); a larger one waits for a supervisor (count:<id> status pending, the
-- missing units held as count_hold, one count_variance exception). Picking elsewhere is never
-- blocked. A repeated scan id returns the first verdict.
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] task_id ('' = current)  ARGV[4] scan_id  ARGV[5] kind  ARGV[6] code
-- ARGV[7] quantity  ARGV[8] ttl seconds  ARGV[9] raw barcode
-- returns {0, verdict JSON} | {1, first verdict JSON}
local picker, scan_id = ARGV[2], ARGV[4]
local scan_key = K.scan(picker, scan_id)
local first = redis.call('GET', scan_key)
if first then return {1, first} end
local task_id = ARGV[3]
if task_id == '' then task_id = redis.call('HGET', K.picker(picker), 'task') or '' end
local task_key = K.task(task_id)
local t = redis.call('HMGET', task_key, 'picker', 'status', 'step', 'picked', 'at_loc', 'n_steps', 'kind')
local result = {type = 'verdict', scan_id = scan_id, task_id = task_id, barcode = ARGV[9], kind = 'count'}
local verdict

local function book(sku, loc, delta)
  local on_hand = add_units(sku, loc, delta)
  local reserved = tonumber(redis.call('HGET', K.sku(sku), 'reserved') or '0')
  emit('stock_adjusted', {command_id = task_id, sku = sku, location = loc, delta = delta,
    reason = 'cycle_count', by = picker, on_hand = on_hand, available = on_hand - reserved})
end

-- Compare and book (or hold) one location; returns the number of variances held.
local function finish(loc, only_sku)
  local c = redis.call('HMGET', K.count(task_id), 'tol_units', 'tol_pct')
  local tol_units, tol_pct = tonumber(c[1]), tonumber(c[2])
  local counted, skus = {}, {}
  local fields = redis.call('HGETALL', K.count(task_id))
  for i = 1, #fields, 2 do
    local l, s = string.match(fields[i], '^c|(.-)|(.*)$')
    if l == loc then counted[s] = tonumber(fields[i + 1]); skus[s] = true end
  end
  local contents
  if location_kind(loc) == 'pick_face' then contents = redis.call('HGETALL', K.bin(loc))
  else contents = redis.call('HGETALL', K.reserve_bin(loc)) end
  for i = 1, #contents, 2 do skus[contents[i]] = true end
  local held = 0
  for sku in pairs(skus) do
    if only_sku == '' or sku == only_sku then
      local expected = units_at(sku, loc)
      local delta = (counted[sku] or 0) - expected
      redis.call('HSET', K.sku_state(sku), 'last_count_ms', NOW)
      if delta ~= 0 then
        local allowed = math.max(tol_units, math.floor(expected * tol_pct / 100))
        local allocated = tonumber(redis.call('HGET', K.sku_alloc(sku), loc) or '0')
        local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved')
        local safe = expected + delta >= allocated and
          (location_kind(loc) ~= 'pick_face' or tonumber(st[1]) + delta >= tonumber(st[2]))
        redis.call('HSET', K.count(task_id), 'v|' .. loc .. '|' .. sku,
          cjson.encode({expected = expected, counted = counted[sku] or 0, delta = delta}))
        if math.abs(delta) <= allowed and safe then
          book(sku, loc, delta)
        else
          held = held + 1
          redis.call('HSET', K.count(task_id), 'p|' .. loc .. '|' .. sku, delta)
          if delta < 0 then
            state_add(sku, 'count_hold', -delta)
            loc_state_add(loc, 'count_hold', sku, -delta)
          end
        end
      end
    end
  end
  return held
end

if t[1] ~= picker or t[2] ~= 'assigned' or t[7] ~= 'count' then
  verdict = 'not_your_task'
else
  local index, at_loc, n_steps = tonumber(t[3]), t[5] == '1', tonumber(t[6])
  local step = cjson.decode(redis.call('LINDEX', K.steps(task_id), index))
  local kind, code, qty = ARGV[5], ARGV[6], tonumber(ARGV[7])
  local task_done = false
  if kind == 'location' then
    if code ~= step.location then verdict = 'wrong_location'
    elseif not at_loc then
      verdict, at_loc = 'ok', true
      redis.call('HSET', task_key, 'at_loc', 1)
    else
      verdict = 'ok'
      local held = finish(step.location, step.sku)
      if held > 0 then redis.call('HINCRBY', K.count(task_id), 'held', held) end
      index, at_loc = index + 1, false
      task_done = index >= n_steps
      redis.call('HSET', task_key, 'step', index, 'picked', 0, 'at_loc', 0)
      if task_done then
        local total_held = tonumber(redis.call('HGET', K.count(task_id), 'held') or '0')
        if total_held > 0 then
          redis.call('HSET', K.count(task_id), 'status', 'pending', 'counted_by', picker, 'counted_ms', NOW)
          redis.call('ZADD', K.counts_pending(), NOW, task_id)
          local exception_id = raise_exception('count_variance', step.sku, step.location,
            'count ' .. task_id .. ': ' .. total_held .. ' variance(s) beyond tolerance wait for approval',
            task_id)
          redis.call('HSET', K.count(task_id), 'exception_id', exception_id)
        else
          redis.call('HSET', K.count(task_id), 'status', 'booked', 'counted_by', picker, 'counted_ms', NOW)
        end
        complete_move_task(task_id, picker)
      else
        step = cjson.decode(redis.call('LINDEX', K.steps(task_id), index))
      end
    end
  elseif kind == 'item' then
    local sku = redis.call('HGET', K.gtin(), code)
    if not sku or (step.sku ~= '' and sku ~= step.sku) then verdict = 'wrong_item'
    elseif not at_loc then verdict = 'scan_location_first'
    else
      verdict = 'ok'
      redis.call('HINCRBY', K.count(task_id), 'c|' .. step.location .. '|' .. sku, qty)
    end
  else
    verdict = 'unknown_barcode'
  end
  result.step = index
  result.picked = 0  -- blind: the counter never sees a running total against the expected figure
  result.at_location = at_loc
  result.task_done = task_done
  if not task_done then result.expected = step end
end
result.verdict = verdict
redis.call('HINCRBY', K.verdicts(), verdict, 1)
local out = cjson.encode(result)
redis.call('SET', scan_key, out, 'EX', tonumber(ARGV[8]))
return {0, out}
