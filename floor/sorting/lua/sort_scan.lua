-- sort_scan.lua: one handheld scan of a put-wall sort task (kind sort, issue 11): the verdict frame
-- requires: events, orders, tasks
-- of a pick scan, with `kind` = 'sort'. The sorter takes a unit out of the batch tote and scans it:
-- the server picks the first order (wall slot) still waiting for that SKU and answers put_to_slot
-- with the slot; the unit is now "in hand" (sort:<task>:slots hold). Scanning that slot's label
-- credits the order with the unit (picked_units, settle_order: an order whose units are all sorted
-- becomes picked and goes on to packing) and takes it out of the tote (unit_sorted). Another slot
-- is refused (wrong_slot, nothing changes, the unit stays in hand); a second unit before the slot
-- is refused (scan_slot_first); a slot before a unit too (scan_item_first). A repeated scan id
-- returns the first verdict and changes nothing, so each scan id credits at most one unit. The task
-- completes when every step (order line) is sorted; the sorter gets the next task.
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] task_id ('' = current)  ARGV[4] scan_id  ARGV[5] kind (item|location|tote|
-- invalid|unknown)  ARGV[6] code (GTIN-14 or the label as scanned)  ARGV[7] ttl seconds  ARGV[8] raw barcode
-- returns {0, verdict JSON} | {1, first verdict JSON}
local picker, scan_id = ARGV[2], ARGV[4]
local scan_key = K.scan(picker, scan_id)
local first = redis.call('GET', scan_key)
if first then return {1, first} end
local task_id = ARGV[3]
if task_id == '' then task_id = redis.call('HGET', K.picker(picker), 'task') or '' end
local task_key = K.task(task_id)
local t = redis.call('HMGET', task_key, 'picker', 'status', 'n_steps', 'kind', 'wave')
local result = {type = 'verdict', scan_id = scan_id, task_id = task_id, barcode = ARGV[8], kind = 'sort'}
local verdict
if t[1] ~= picker or t[2] ~= 'assigned' or t[4] ~= 'sort' then
  verdict = 'not_your_task'
else
  local kind, code, n_steps = ARGV[5], ARGV[6], tonumber(t[3])
  local slots_key, tote_key = K.sort_slots(task_id), K.sort_tote(task_id)
  local steps = redis.call('LRANGE', K.steps(task_id), 0, -1)
  for i, raw in ipairs(steps) do steps[i] = cjson.decode(raw) end
  local function sorted(i) return tonumber(redis.call('HGET', slots_key, 's|' .. i) or '0') end
  local function slot_of(i)
    return {position = steps[i].tote, label = steps[i].location, order_id = steps[i].order_id}
  end
  local hold = redis.call('HGET', slots_key, 'hold')
  if hold then hold = cjson.decode(hold) end
  if kind == 'item' then
    if hold then
      verdict = 'scan_slot_first'; result.slot = slot_of(hold.step)
    else
      local sku, found = nil, nil
      for i, s in ipairs(steps) do
        if s.gtin == code then
          sku = s.sku
          if not found and sorted(i) < s.quantity then found = i end
        end
      end
      if not sku then verdict = 'wrong_item'
      elseif not found or tonumber(redis.call('HGET', tote_key, sku) or '0') <= 0 then
        verdict = 'over_pick' -- every unit of this SKU is sorted (or none is left in the tote)
      else
        verdict = 'put_to_slot'
        result.slot = slot_of(found)
        redis.call('HSET', slots_key, 'hold', cjson.encode({step = found, sku = sku, scan_id = scan_id}))
      end
    end
  elseif kind == 'invalid' then
    verdict = 'bad_barcode'
  elseif not hold then
    verdict = 'scan_item_first'
  elseif code ~= steps[hold.step].location then
    verdict = 'wrong_slot' -- nothing changes: the unit stays in hand for its slot
    result.slot = slot_of(hold.step)
  else
    local s = steps[hold.step]
    verdict = 'ok'
    result.slot = slot_of(hold.step)
    result.units = 1
    redis.call('HINCRBY', slots_key, 's|' .. hold.step, 1)
    redis.call('HDEL', slots_key, 'hold')
    if redis.call('HINCRBY', tote_key, s.sku, -1) <= 0 then redis.call('HDEL', tote_key, s.sku) end
    redis.call('HINCRBY', K.order(s.order_id), 'picked_units', 1)
    settle_order(s.order_id)
    result.order_done = redis.call('HGET', K.order(s.order_id), 'status') ~= 'released'
    emit('unit_sorted', {task_id = task_id, picker = picker, order_id = s.order_id, sku = s.sku,
      slot = s.location, scan_id = scan_id})
  end
  -- the step shown: the first order line not fully sorted (its units sorted so far as `picked`)
  local index, picked = n_steps, 0
  for i, s in ipairs(steps) do
    local got = sorted(i)
    if got < s.quantity then index, picked = i - 1, got; break end
  end
  redis.call('HSET', task_key, 'step', index, 'picked', picked, 'at_loc', 1)
  result.task_done = index >= n_steps
  if result.task_done then
    redis.call('EXPIRE', slots_key, 7 * 86400)
    complete_task(task_id, picker, t[5])
  else
    result.expected = steps[index + 1]
  end
  result.step = index
  result.picked = picked
  result.at_location = true
end
result.verdict = verdict
redis.call('HINCRBY', K.verdicts(), verdict, 1)
local out = cjson.encode(result)
redis.call('SET', scan_key, out, 'EX', tonumber(ARGV[7]))
return {0, out}
