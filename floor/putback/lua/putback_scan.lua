-- putback_scan.lua: one handheld scan of a put-back task (kind putback; the verdict frame of a pick
-- requires: events, ledger, presence, tasks, planning
-- scan, with `kind`). Per unit: the unit first (its GTIN), then the bin it goes to: the step's pick
-- location, or another pick face that already holds that SKU. The bin scan books the unit back on
-- hand through the ledger (kind 'putback', ref the task) exactly once: a repeated scan id returns
-- the first verdict and changes nothing, and a step never takes more units than it lists. The task
-- completes when every unit is back (the worker gets the next task).
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] task_id ('' = current)  ARGV[4] scan_id  ARGV[5] kind (location|item|...)
-- ARGV[6] code  ARGV[7] quantity (ignored: a unit per scan)  ARGV[8] ttl seconds  ARGV[9] raw barcode
-- returns {0, verdict JSON} | {1, first verdict JSON}
local picker, scan_id = ARGV[2], ARGV[4]
local scan_key = K.scan(picker, scan_id)
local first = redis.call('GET', scan_key)
if first then return {1, first} end
local task_id = ARGV[3]
if task_id == '' then task_id = redis.call('HGET', K.picker(picker), 'task') or '' end
local task_key = K.task(task_id)
local t = redis.call('HMGET', task_key, 'picker', 'status', 'n_steps', 'kind', 'holding')
local result = {type = 'verdict', scan_id = scan_id, task_id = task_id, barcode = ARGV[9], kind = 'putback'}
local verdict
if t[1] ~= picker or t[2] ~= 'assigned' or t[4] ~= 'putback' then
  verdict = 'not_your_task'
else
  local steps = redis.call('LRANGE', K.steps(task_id), 0, -1)
  local got = {}
  for i, raw in ipairs(steps) do
    steps[i] = cjson.decode(raw)
    got[i] = tonumber(redis.call('HGET', task_key, 'got|' .. i) or '0')
  end
  local holding = tonumber(t[5] or '0')  -- the step whose unit is in hand (0 = none)
  local kind, code = ARGV[5], ARGV[6]
  if kind == 'item' then
    if holding > 0 then
      verdict, result.expected_kind, result.scanned_kind = 'wrong_kind', 'location', 'item'
    else
      local match, known = 0, false
      for i, s in ipairs(steps) do
        if s.gtin == code or s.sku == code then
          known = true
          if match == 0 and got[i] < s.quantity then match = i end
        end
      end
      if match > 0 then
        verdict, holding = 'ok', match
        redis.call('HSET', task_key, 'holding', match)
      elseif known then verdict = 'over_pick'
      else verdict = 'wrong_item' end
    end
  elseif kind == 'location' then
    if holding == 0 then
      verdict, result.expected_kind, result.scanned_kind = 'wrong_kind', 'item', 'location'
    else
      local s = steps[holding]
      local face = code == s.location or (location_kind(code) == 'pick_face' and
        redis.call('HEXISTS', K.sku_bins(s.sku), code) == 1)
      if not face then
        verdict = 'wrong_location'
      else
        verdict = 'ok'
        ledger_move(s.sku, 'on_hand', 1, 'putback', task_id)
        redis.call('HSET', K.bin(code), s.sku, redis.call('HINCRBY', K.sku_bins(s.sku), code, 1))
        got[holding] = redis.call('HINCRBY', task_key, 'got|' .. holding, 1)
        redis.call('HSET', task_key, 'holding', 0)
        holding = 0
      end
    end
  else
    verdict = 'unknown_barcode'
  end
  -- the step shown: the unit in hand, else the first step with units still to put back
  local index, n_steps = tonumber(t[3]), tonumber(t[3])
  if holding > 0 then index = holding - 1 else
    for i, s in ipairs(steps) do if got[i] < s.quantity then index = i - 1; break end end
  end
  local picked = 0
  if index < n_steps then picked = got[index + 1] end
  redis.call('HSET', task_key, 'step', index, 'picked', picked, 'at_loc', holding > 0 and 1 or 0)
  local task_done = index >= n_steps
  if task_done then complete_move_task(task_id, picker) end
  result.step, result.picked, result.at_location, result.task_done = index, picked, holding > 0, task_done
  if not task_done then result.expected = steps[index + 1] end
end
result.verdict = verdict
redis.call('HINCRBY', K.verdicts(), verdict, 1)
local out = cjson.encode(result)
redis.call('SET', scan_key, out, 'EX', tonumber(ARGV[8]))
return {0, out}
