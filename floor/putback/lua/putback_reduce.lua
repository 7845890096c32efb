-- putback_reduce.lua: a line refund of an order already on the floor (released, picked): take
-- requires: events, ledger, presence, tasks, planning, orders
-- `out` units of each SKU off the order. Units not picked yet go first (their steps shrink or leave
-- the pick task; allocation and reservation released through the ledger); then units already
-- picked (they become a put-back task, kind putback, like putback_cancel.lua). The order's lines,
-- units and picked units shrink; an order left with no unit is cancelled; one whose remaining units
-- are all picked settles as picked. Idempotent on `ref` (a repeat answers 'exists' with the task).
-- KEYS[1] events stream
-- ARGV[2] order id  ARGV[3] out JSON {sku: units}  ARGV[4] ref  ARGV[5] new task id  ARGV[6] reason
-- returns {'ok', task id or ''} | {'exists', task id or ''} | {'not_found', id} | {'illegal_transition', status}
--   | {'conflict', reason}
local order_id, ref, new_task, reason = ARGV[2], ARGV[4], ARGV[5], ARGV[6]
local okey = K.order(order_id)
local o = redis.call('HMGET', okey, 'status', 'wave', 'lines', 'units', 'picked_units')
if not o[1] then return {'not_found', order_id} end
local seen = redis.call('HGET', okey, 'refund|' .. ref)
if seen then return {'exists', seen} end
if o[1] ~= 'released' and o[1] ~= 'picked' and o[1] ~= 'picked_short' then return {'illegal_transition', o[1]} end
local out, lines = cjson.decode(ARGV[3]), cjson.decode(o[3])
local has = {}
for _, line in ipairs(lines) do has[line[1]] = (has[line[1]] or 0) + tonumber(line[2]) end
local total = 0
for sku, n in pairs(out) do
  n = tonumber(n)
  if n < 0 or n > (has[sku] or 0) then return {'conflict', 'cannot take ' .. n .. ' of ' .. sku .. ' off the order'} end
  total = total + n
end
local need = {}
for sku, n in pairs(out) do need[sku] = tonumber(n) end
local back, back_order, back_units = {}, {}, 0
local function give_back(loc, sku, qty)
  if qty <= 0 then return end
  local key = loc .. '|' .. sku
  if not back[key] then back[key] = 0; back_order[#back_order + 1] = {loc, sku} end
  back[key] = back[key] + qty
  back_units = back_units + qty
end
local tasks = {}
if o[2] and o[2] ~= '' then tasks = cjson.decode(redis.call('HGET', K.wave(o[2]), 'tasks') or '[]') end
-- pass 1: units not picked yet (current and later steps); pass 2: units already picked
for pass = 1, 2 do
  for _, task_id in ipairs(tasks) do
    local tkey = K.task(task_id)
    local t = redis.call('HMGET', tkey, 'status', 'step', 'picked', 'picker', 'wave')
    local done, cur, picked_now = t[1] == 'completed', tonumber(t[2] or '0'), tonumber(t[3] or '0')
    local raws = redis.call('LRANGE', K.steps(task_id), 0, -1)
    local keep, changed, new_cur, new_picked, advance = {}, false, cur, picked_now, false
    for i, raw in ipairs(raws) do
      local s = cjson.decode(raw)
      local index = i - 1
      local want = (s.order_id == order_id) and (need[s.sku] or 0) or 0
      local got = s.quantity
      if not done and index == cur then got = picked_now elseif not done and index > cur then got = 0 end
      local q = s.quantity
      if want > 0 and pass == 1 and q - got > 0 then
        local take = math.min(q - got, want)
        need[s.sku] = want - take
        ledger_move(s.sku, 'reserved', -take, 'release', order_id)
        if redis.call('HINCRBY', K.sku_alloc(s.sku), s.location, -take) <= 0 then
          redis.call('HDEL', K.sku_alloc(s.sku), s.location)
        end
        q, changed = q - take, true
      elseif want > 0 and pass == 2 and got > 0 then
        local take = math.min(got, want)
        need[s.sku] = want - take
        give_back(s.location, s.sku, take)
        if not done and index == cur then
          q, got, new_picked, changed = q - take, got - take, picked_now - take, true
        end  -- a finished step stays as it was picked (history); its units come back by the put-back
      end
      s.quantity = q
      if q <= 0 and not done and index >= cur then
        changed = true  -- nothing left of this step: it leaves the task (the current one resets)
        if index == cur then new_picked = 0 end
      else
        keep[#keep + 1] = cjson.encode(s)
        if not done and index == cur and q > 0 and got >= q then advance = true end
      end
    end
    if changed then
      redis.call('DEL', K.steps(task_id))
      for first = 1, #keep, 1000 do
        redis.call('RPUSH', K.steps(task_id), unpack(keep, first, math.min(first + 999, #keep)))
      end
      if advance then new_cur, new_picked = cur + 1, 0 end
      redis.call('HSET', tkey, 'n_steps', #keep, 'step', new_cur, 'picked', new_picked)
      if advance or new_picked == 0 then redis.call('HSET', tkey, 'at_loc', 0) end
      if not done and new_cur >= #keep then
        close_emptied_task(task_id, t[1], t[4], t[5])
      elseif not done and t[1] == 'assigned' then
        emit('task_updated', {task_id = task_id, picker = t[4]})
      end
    end
  end
end
-- the order shrinks
local left = {}
for _, line in ipairs(lines) do
  local take = math.min(tonumber(line[2]), tonumber(out[line[1]] or 0))
  out[line[1]] = tonumber(out[line[1]] or 0) - take
  if tonumber(line[2]) - take > 0 then left[#left + 1] = {line[1], tonumber(line[2]) - take} end
end
local steps = {}
for _, pair in ipairs(back_order) do steps[#steps + 1] = step_json(pair[1], pair[2], back[pair[1] .. '|' .. pair[2]]) end
local task_id = ''
if #steps > 0 then
  task_id = new_task
  create_move_task(task_id, 'putback', steps, false, {'order_id', order_id, 'units', back_units, 'reason', reason})
end
local units = tonumber(o[4]) - total
redis.call('HSET', okey, 'refund|' .. ref, task_id, 'lines', cjson.encode(left), 'units', units,
  'picked_units', math.max(0, tonumber(o[5] or '0') - back_units))
if units <= 0 then
  redis.call('HSET', okey, 'status', 'cancelled', 'reason', reason, 'cancelled_ms', NOW, 'putback', task_id)
else
  settle_order(order_id)
end
emit('order_put_back', {order_id = order_id, task_id = task_id, units = back_units, was = o[1], reason = reason})
if #steps > 0 then hand_out() end
return {'ok', task_id}
