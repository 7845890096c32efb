-- reassign_task.lua: a supervisor moves a task to another present picker, or back to the queue.
-- requires: events, presence, tasks
-- Through the task lifecycle: an assigned task is unassigned (back to ready), then assigned to
-- the new picker. Step, picked units and every counter stay (units picked stay counted). The old
-- picker's handheld hears task_unassigned; the new one task_assigned. A present old picker gets
-- other work (never this task back). Idempotent on (sender, command id).
-- KEYS[1] events stream
-- ARGV[2] task_id  ARGV[3] new picker ('' = back to the ready queue)  ARGV[4] sender
-- ARGV[5] sender's command id  ARGV[6] 'unassign' from-states JSON  ARGV[7] 'assign' from-states
-- JSON  ARGV[8] ttl seconds
-- returns {'ok', result JSON} | {'exists', first result JSON} | {'not_found', what} |
--   {'not_present', picker} | {'conflict', reason} | {'illegal_transition', state}
local cmd = K.command('reassign', ARGV[4], ARGV[5])
local first = redis.call('GET', cmd)
if first then return {'exists', first} end
local task_id, to, sender = ARGV[2], ARGV[3], ARGV[4]
local task_key = K.task(task_id)
local t = redis.call('HMGET', task_key, 'status', 'picker', 'wave')
if not t[1] then return {'not_found', 'task ' .. task_id} end
local status, from, wave_id = t[1], t[2] or '', t[3]
if to ~= '' then
  if redis.call('SISMEMBER', K.pickers(), to) == 0 then return {'not_found', 'picker ' .. to} end
  if not is_present(to) then return {'not_present', to} end
  local held = redis.call('HGET', K.picker(to), 'task')
  if held and held ~= task_id and redis.call('HGET', K.task(held), 'status') == 'assigned' then
    return {'conflict', 'picker ' .. to .. ' already holds task ' .. held}
  end
end
local unassignable, assignable = set_of(ARGV[6]), set_of(ARGV[7])
local unchanged = (status == 'assigned' and from == to) or (status == 'ready' and to == '')
if not unchanged then  -- every check before the first write: a refusal changes nothing
  if status ~= 'ready' and not unassignable[status] then return {'illegal_transition', status} end
  if to ~= '' and not assignable['ready'] then return {'illegal_transition', 'ready'} end
  if status ~= 'ready' then unassign_task(task_id, from, wave_id, 'reassigned', sender) end
  if to ~= '' then
    redis.call('ZREM', K.tasks_ready(), task_id)
    give_task(task_id, to)
    emit('task_reassigned', {task_id = task_id, wave_id = wave_id, picker = to,
      previous = from, by = sender})
  else
    hand_out()
  end
  if from ~= '' and status == 'assigned' and is_present(from) then
    if redis.call('ZSCORE', K.tasks_ready(), task_id) then
      redis.call('SADD', K.pickers_idle(), from)  -- waits: the queue's next task is this one
    else
      assign_next(from)
    end
  end
end
local now = redis.call('HMGET', task_key, 'status', 'picker')
local out = cjson.encode({task_id = task_id, status = now[1], picker = now[2],
  previous = from, changed = not unchanged})
redis.call('SET', cmd, out, 'EX', tonumber(ARGV[8]))
return {'ok', out}
