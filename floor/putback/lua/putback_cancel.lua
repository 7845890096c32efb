-- putback_cancel.lua: cancel an order that is already on the floor (released, picked): picking of
-- requires: events, ledger, presence, tasks, planning
-- it stops and its picked units go back through a put-back task (kind putback).
-- Steps of the order not yet picked leave their pick tasks (their allocation and reservation are
-- released through the ledger); the step being picked keeps what was picked. A task left without
-- steps completes (assigned: the picker gets the next task) or leaves the ready queue. Units
-- already picked become the put-back task's steps: one per (pick location, SKU), at most the
-- order's picked units. No unit picked: no task. A repeat answers 'exists' with the same task.
-- KEYS[1] events stream
-- ARGV[2] order id  ARGV[3] reason  ARGV[4] new task id
-- returns {'ok', task id or ''} | {'exists', task id or ''} | {'not_found', id} | {'illegal_transition', status}
local order_id, reason, new_task = ARGV[2], ARGV[3], ARGV[4]
local okey = K.order(order_id)
local o = redis.call('HMGET', okey, 'status', 'wave', 'picked_units', 'putback')
if not o[1] then return {'not_found', order_id} end
if o[1] == 'cancelled' then return {'exists', o[4] or ''} end
if o[1] ~= 'released' and o[1] ~= 'picked' and o[1] ~= 'picked_short' then
  return {'illegal_transition', o[1]}
end
local budget = tonumber(o[3] or '0')  -- units picked for the order: what may go back
local back, back_order, released = {}, {}, {}
local function give_back(loc, sku, qty)
  qty = math.min(qty, budget)
  if qty <= 0 then return end
  budget = budget - qty
  local key = loc .. '|' .. sku
  if not back[key] then back[key] = 0; back_order[#back_order + 1] = {loc, sku} end
  back[key] = back[key] + qty
end
local tasks = {}
if o[2] and o[2] ~= '' then tasks = cjson.decode(redis.call('HGET', K.wave(o[2]), 'tasks') or '[]') end
for _, task_id in ipairs(tasks) do
  local tkey = K.task(task_id)
  local t = redis.call('HMGET', tkey, 'status', 'step', 'picked', 'picker', 'wave')
  local done, cur, picked_now = t[1] == 'completed', tonumber(t[2] or '0'), tonumber(t[3] or '0')
  local raws = redis.call('LRANGE', K.steps(task_id), 0, -1)
  local keep, changed, cur_removed = {}, false, false
  for i, raw in ipairs(raws) do
    local s = cjson.decode(raw)
    local index = i - 1
    if s.order_id == order_id then
      local got = s.quantity
      if not done and index == cur then got = picked_now elseif not done and index > cur then got = 0 end
      give_back(s.location, s.sku, got)
      local left = s.quantity - got
      if left > 0 then
        ledger_move(s.sku, 'reserved', -left, 'release', order_id)
        released[s.sku] = (released[s.sku] or 0) + left
        if redis.call('HINCRBY', K.sku_alloc(s.sku), s.location, -left) <= 0 then
          redis.call('HDEL', K.sku_alloc(s.sku), s.location)
        end
      end
      if done or index < cur then
        keep[#keep + 1] = raw
      else
        changed = true
        if index == cur then cur_removed = true end
      end
    else
      keep[#keep + 1] = raw
    end
  end
  if changed then
    redis.call('DEL', K.steps(task_id))
    for first = 1, #keep, 1000 do
      redis.call('RPUSH', K.steps(task_id), unpack(keep, first, math.min(first + 999, #keep)))
    end
    redis.call('HSET', tkey, 'n_steps', #keep)
    if cur_removed then redis.call('HSET', tkey, 'picked', 0, 'at_loc', 0) end
    if cur >= #keep then  -- nothing left to pick in this task
      close_emptied_task(task_id, t[1], t[4], t[5])
    elseif t[1] == 'assigned' then
      emit('task_updated', {task_id = task_id, picker = t[4]})
    end
  end
end
local steps, units = {}, 0
for _, pair in ipairs(back_order) do
  local qty = back[pair[1] .. '|' .. pair[2]]
  steps[#steps + 1] = step_json(pair[1], pair[2], qty)
  units = units + qty
end
local task_id = ''
if #steps > 0 then
  task_id = new_task
  create_move_task(task_id, 'putback', steps, false, {'order_id', order_id, 'units', units, 'reason', reason})
end
redis.call('HSET', okey, 'status', 'cancelled', 'reason', reason, 'cancelled_ms', NOW, 'putback', task_id)
emit('order_put_back', {order_id = order_id, task_id = task_id, units = units, was = o[1], reason = reason})
if #steps > 0 then hand_out() end
return {'ok', task_id}
