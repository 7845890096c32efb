-- assign_task.lua: a picker asks for work (on connect, or when idle). Returns the picker's
-- requires: tasks
-- current task if it has one, else the next ready task, else '' and the picker waits idle.
-- KEYS[1] events stream
-- ARGV[2] picker
-- returns {'ok', task_id or ''}
local picker = ARGV[2]
local current = redis.call('HGET', K.picker(picker), 'task')
if current and redis.call('HGET', K.task(current), 'status') == 'assigned' then
  return {'ok', current}
end
return {'ok', assign_next(picker) or ''}
