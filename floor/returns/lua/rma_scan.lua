-- rma_scan.lua: one handheld scan of a return-receipt task (kind return; the verdict frame of a
-- requires: events, tasks, planning, returns
-- pick scan, with `kind`). The dock location first (it receives the parcel: open -> receiving),
-- then each unit: its GTIN, with the serial (GS1 AI 21) when the SKU is serial-controlled. Each
-- unit goes through receive_unit (lib/returns.lua, as rma_receive.lua for the API) with the scan
-- id as the unit id; a repeated scan id returns the first verdict and changes nothing. The task
-- completes when every unit of the RMA is received (the worker gets the next task).
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] task_id ('' = current)  ARGV[4] scan_id  ARGV[5] kind (location|item|...)
-- ARGV[6] code  ARGV[7] quantity (ignored: a unit per scan)  ARGV[8] ttl seconds  ARGV[9] raw barcode
-- ARGV[10] serial  ARGV[11] lot
-- returns {0, verdict JSON} | {1, first verdict JSON}
local picker, scan_id = ARGV[2], ARGV[4]
local scan_key = K.scan(picker, scan_id)
local first = redis.call('GET', scan_key)
if first then return {1, first} end
local task_id = ARGV[3]
if task_id == '' then task_id = redis.call('HGET', K.picker(picker), 'task') or '' end
local task_key = K.task(task_id)
local t = redis.call('HMGET', task_key, 'picker', 'status', 'step', 'at_loc', 'n_steps', 'kind', 'rma')
local result = {type = 'verdict', scan_id = scan_id, task_id = task_id, barcode = ARGV[9], kind = t[6] or 'pick'}
local verdict
local VERDICT = {ok = 'ok', exists = 'ok', not_on_rma = 'wrong_item', all_received = 'over_pick',
  serial_required = 'serial_required', repeated_serial = 'repeated_serial'}
if t[1] ~= picker or t[2] ~= 'assigned' or t[6] ~= 'return' then
  verdict = 'not_your_task'
else
  local rma, at_loc, n_steps = t[7], t[4] == '1', tonumber(t[5])
  local steps = redis.call('LRANGE', K.steps(task_id), 0, -1)
  for i, raw in ipairs(steps) do steps[i] = cjson.decode(raw) end
  local kind, code = ARGV[5], ARGV[6]
  local task_done = false
  if kind == 'location' then
    if code == steps[1].location then
      verdict = 'ok'
      if redis.call('HGET', K.rma(rma), 'status') == 'open' then
        redis.call('HSET', K.rma(rma), 'status', 'receiving', 'parcel_ms', NOW, 'parcel_by', picker)
      end
      if not at_loc then at_loc = true; redis.call('HSET', task_key, 'at_loc', 1) end
    else
      verdict = 'wrong_location'
    end
  elseif kind == 'item' then
    local sku
    for _, s in ipairs(steps) do if s.gtin == code then sku = s.sku end end
    if not at_loc then verdict = 'scan_location_first'
    elseif not sku then verdict = 'wrong_item'
    else
      local outcome = receive_unit(rma, scan_id, sku, ARGV[10], ARGV[11])
      verdict = VERDICT[outcome] or 'not_your_task'
    end
  else
    verdict = 'unknown_barcode'
  end
  -- the step shown: the first line not fully received (its units received so far as `picked`)
  local index, picked = n_steps, 0
  for i, s in ipairs(steps) do
    local got = tonumber(redis.call('HGET', K.rma(rma), 'got|' .. s.sku) or '0')
    if got < s.quantity then index, picked = i - 1, got; break end
  end
  redis.call('HSET', task_key, 'step', index, 'picked', picked)
  if index >= n_steps then
    task_done = true
    complete_move_task(task_id, picker)
  end
  result.step = index
  result.picked = picked
  result.at_location = at_loc
  result.task_done = task_done
  if not task_done then result.expected = steps[index + 1] end
end
result.verdict = verdict
redis.call('HINCRBY', K.verdicts(), verdict, 1)
local out = cjson.encode(result)
redis.call('SET', scan_key, out, 'EX', tonumber(ARGV[8]))
return {0, out}
