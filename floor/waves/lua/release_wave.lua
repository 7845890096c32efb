-- release_wave.lua: commit a planned wave: allocate stock to locations, create its tasks, mark
-- requires: events, tasks
-- its orders released, queue the tasks and hand them to idle pickers. Checks that every order
-- is still releasable and every location still has the free units the plan took; otherwise
-- changes nothing and returns 'conflict' (the caller re-plans). Idempotent on (sender, wave id):
-- the sender's repeat returns its wave; another sender's equal wave id is refused ('taken'),
-- never answered with someone else's wave (a wave id is also the wave's name on the board).
-- KEYS[1] events stream
-- ARGV[2] wave_id  ARGV[3] plan JSON {orders=[id], tasks=[{task_id, units, steps=[step JSON],
--         kind?, waits?, fields?}],
--         allocations=[[sku, location, qty]]}  ARGV[4] allowed order states JSON  ARGV[5] sender
-- returns {'ok', wave_id} | {'exists', wave_id} | {'conflict', reason} | {'taken', wave_id}
local wave_id = ARGV[2]
if redis.call('EXISTS', K.wave(wave_id)) == 1 then
  local by = redis.call('HGET', K.wave(wave_id), 'by') or ''
  if by ~= ARGV[5] then return {'taken', wave_id} end
  return {'exists', wave_id}
end
local plan = cjson.decode(ARGV[3])
local allowed = set_of(ARGV[4])
for _, order_id in ipairs(plan.orders) do
  local status = redis.call('HGET', K.order(order_id), 'status')
  if not allowed[status] then
    return {'conflict', 'order ' .. order_id .. ' is ' .. tostring(status)}
  end
end
for _, a in ipairs(plan.allocations) do
  local at = tonumber(redis.call('HGET', K.sku_bins(a[1]), a[2]) or '0')
  local allocated = tonumber(redis.call('HGET', K.sku_alloc(a[1]), a[2]) or '0')
  if at - allocated < a[3] then
    return {'conflict', a[2] .. ' has ' .. (at - allocated) .. ' free units of ' .. a[1] ..
      ', the wave needs ' .. a[3]}
  end
end

for _, task in ipairs(plan.tasks) do
  if #task.steps == 0 then return {'conflict', 'task ' .. task.task_id .. ' has no steps'} end
end
for _, a in ipairs(plan.allocations) do
  redis.call('HINCRBY', K.sku_alloc(a[1]), a[2], a[3])
end
for _, order_id in ipairs(plan.orders) do
  redis.call('HSET', K.order(order_id), 'status', 'released', 'wave', wave_id)
  redis.call('ZREM', K.orders_reserved(), order_id)
end
local units, task_ids = 0, {}
for index, task in ipairs(plan.tasks) do
  for first = 1, #task.steps, 1000 do  -- unpack() of more than ~8,000 values fails: chunks
    redis.call('RPUSH', K.steps(task.task_id), unpack(task.steps, first, math.min(first + 999, #task.steps)))
  end
  -- issue 11: a task with waits > 0 is held ('waiting': a sort task until its batch tour is
  -- picked, a zone tour until the totes it receives are handed over); kind and extra fields
  local waits = tonumber(task.waits or 0) or 0
  redis.call('HSET', K.task(task.task_id), 'wave', wave_id, 'status', waits > 0 and 'waiting' or 'ready',
    'picker', '', 'step', 0, 'picked', 0, 'at_loc', 0, 'n_steps', #task.steps, 'units', task.units,
    'released_ms', NOW)
  if task.kind then redis.call('HSET', K.task(task.task_id), 'kind', task.kind, 'waits', waits) end
  for name, value in pairs(task.fields or {}) do redis.call('HSET', K.task(task.task_id), name, value) end
  if waits <= 0 then redis.call('ZADD', K.tasks_ready(), NOW + index / 1000, task.task_id) end
  units = units + task.units
  task_ids[#task_ids + 1] = task.task_id
end
redis.call('HSET', K.wave(wave_id), 'status', 'released', 'orders', cjson.encode(plan.orders),
  'tasks', cjson.encode(task_ids), 'units', units, 'picked_units', 0, 'short_units', 0,
  'tasks_open', #task_ids, 'released_ms', NOW, 'by', ARGV[5])
redis.call('ZADD', K.waves(), NOW, wave_id)
emit('wave_released', {wave_id = wave_id, orders = #plan.orders, tasks = #task_ids, units = units})
hand_out()  -- to idle pickers that are present (absent ones leave the idle set)
return {'ok', wave_id}
