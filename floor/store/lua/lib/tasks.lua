-- lib/tasks.lua: handing tasks to pickers and closing them.
-- requires: events
-- Give `picker` the next ready task, or mark the picker idle. Returns the task id or false.
local function assign_next(picker)
  local popped = redis.call('ZPOPMIN', K.tasks_ready())
  if #popped == 0 then
    redis.call('SADD', K.pickers_idle(), picker)
    return false
  end
  local task_id = popped[1]
  redis.call('HSET', K.task(task_id), 'status', 'assigned', 'picker', picker, 'assigned_ms', NOW)
  redis.call('HSET', K.picker(picker), 'task', task_id)
  redis.call('SREM', K.pickers_idle(), picker)
  emit('task_assigned', {task_id = task_id, picker = picker,
    wave_id = redis.call('HGET', K.task(task_id), 'wave')})
  return task_id
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
