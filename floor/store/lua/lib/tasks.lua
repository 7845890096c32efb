-- lib/tasks.lua: handing tasks to pickers, taking them back and closing them.
-- requires: events, presence
-- Hand the ready task `task_id` (already off the ready queue) to `picker`.
local function give_task(task_id, picker)
  redis.call('HSET', K.task(task_id), 'status', 'assigned', 'picker', picker, 'assigned_ms', NOW)
  redis.call('HSET', K.picker(picker), 'task', task_id)
  redis.call('SREM', K.pickers_idle(), picker)
  emit('task_assigned', {task_id = task_id, picker = picker,
    wave_id = redis.call('HGET', K.task(task_id), 'wave')})
end

-- Give `picker` the next ready task, or mark the picker idle. Returns the task id or false.
-- Only a present picker (an unexpired lease) gets work; an absent one leaves the idle set.
local function assign_next(picker)
  if not is_present(picker) then
    redis.call('SREM', K.pickers_idle(), picker)
    return false
  end
  local popped = redis.call('ZPOPMIN', K.tasks_ready())
  if #popped == 0 then
    redis.call('SADD', K.pickers_idle(), picker)
    return false
  end
  give_task(popped[1], picker)
  return popped[1]
end

-- Hand ready tasks to idle pickers while both last (absent pickers drop out of the idle set).
local function hand_out()
  while redis.call('ZCARD', K.tasks_ready()) > 0 do
    local picker = redis.call('SPOP', K.pickers_idle())
    if not picker then break end
    assign_next(picker)
  end
end

-- The lifecycle's 'unassign' (the caller checked the from-state): the task goes back to the
-- ready queue at its release position. Step, picked units and every order and wave counter stay
-- as they are (units already picked stay counted); the next picker starts at the location scan.
local function unassign_task(task_id, picker, wave_id, reason, by)
  redis.call('HSET', K.task(task_id), 'status', 'ready', 'picker', '', 'at_loc', 0,
    'unassigned_ms', NOW)
  if redis.call('HGET', K.picker(picker), 'task') == task_id then
    redis.call('HDEL', K.picker(picker), 'task')
  end
  local position = tonumber(redis.call('HGET', K.task(task_id), 'released_ms') or NOW)
  redis.call('ZADD', K.tasks_ready(), position, task_id)
  emit('task_unassigned', {task_id = task_id, picker = picker, wave_id = wave_id,
    reason = reason, by = by})
end

-- Close a finished task, progress its wave, and hand the picker the next task.
local function complete_task(task_id, picker, wave_id)
  redis.call('HSET', K.task(task_id), 'status', 'completed', 'completed_ms', NOW)
  redis.call('HDEL', K.picker(picker), 'task')
  emit('task_completed', {task_id = task_id, picker = picker, wave_id = wave_id})
  local open = redis.call('HINCRBY', K.wave(wave_id), 'tasks_open', -1)
  if open <= 0 then
    redis.call('HSET', K.wave(wave_id), 'status', 'completed', 'completed_ms', NOW)
    emit('wave_completed', {wave_id = wave_id})
  end
  return assign_next(picker)
end

-- Issue 11: a held task ('waiting': a put-wall sort task until its batch tour is picked, a zone
-- tour until every tote it receives is handed over) counts its `waits` down; at zero it joins the
-- ready queue at its release position and goes to an idle picker. Returns true when released.
-- A task a cancel left with nothing to pick: completed for its picker when someone holds it
-- (`status` 'assigned'), else taken off the ready queue and completed with its wave's count.
local function close_emptied_task(task_id, status, picker, wave_id)
  if status == 'assigned' then
    complete_task(task_id, picker, wave_id)
    return
  end
  redis.call('ZREM', K.tasks_ready(), task_id)
  redis.call('HSET', K.task(task_id), 'status', 'completed', 'completed_ms', NOW)
  emit('task_completed', {task_id = task_id, picker = '', wave_id = wave_id})
  if redis.call('HINCRBY', K.wave(wave_id), 'tasks_open', -1) <= 0 then
    redis.call('HSET', K.wave(wave_id), 'status', 'completed', 'completed_ms', NOW)
    emit('wave_completed', {wave_id = wave_id})
  end
end

local function release_held(task_id)
  local key = K.task(task_id)
  if redis.call('HGET', key, 'status') ~= 'waiting' then return false end
  if redis.call('HINCRBY', key, 'waits', -1) > 0 then return false end
  redis.call('HSET', key, 'status', 'ready')
  redis.call('ZADD', K.tasks_ready(), tonumber(redis.call('HGET', key, 'released_ms') or NOW), task_id)
  hand_out()
  return true
end

-- Issue 11: close a finished pick tour (scan.lua, short_pick.lua): a batch tour releases its
-- put-wall sort task; a zone tour hands each order's tote over to the order's tour in the next
-- zone (the label bound at that cart position when the site scans totes, else the planned one;
-- tote_handed_over), which starts once all its totes are in; then complete_task. Returns the
-- hand-overs made (for the verdict) and the picker's next task.
local function finish_tour(task_id, picker, wave_id)
  local f = redis.call('HMGET', K.task(task_id), 'batch', 'handout')
  if f[1] and f[1] ~= '' then release_held(f[1]) end
  local out = nil
  if f[2] and f[2] ~= '' then
    out = cjson.decode(f[2])
    for _, h in ipairs(out) do
      local label = redis.call('HGET', K.task_totes(task_id), 'p:' .. tostring(h.position)) or h.tote
      h.tote = label
      local handin = cjson.decode(redis.call('HGET', K.task(h.task), 'handin') or '[]')
      for _, entry in ipairs(handin) do
        if entry.order_id == h.order_id then entry.tote = label end
      end
      redis.call('HSET', K.task(h.task), 'handin', cjson.encode(handin))
      emit('tote_handed_over', {order_id = h.order_id, tote = label, from_task = task_id,
        to_task = h.task, zone = h.zone})
      release_held(h.task)
    end
  end
  return out, complete_task(task_id, picker, wave_id)
end
