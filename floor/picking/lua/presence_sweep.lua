-- presence_sweep.lua: run by every web node every ~2 s; atomic and idempotent, any node may run it.
-- requires: events, presence, tasks
-- 1. Pickers whose last lease ran out become absent (since the lease's end).
-- 2. A picker absent for longer than the grace loses its unstarted task (step 0, nothing picked):
--    it goes back to the ready queue through the lifecycle's 'unassign' and on to the next present
--    idle picker. A started task stays with the picker and raises one `picker_absent` floor
--    exception for the supervisor (who may reassign it). Each absence is checked once.
-- KEYS[1] events stream
-- ARGV[2] grace ms  ARGV[3] exception id base (server-made; a second one in a sweep gets '-2' ...)
-- ARGV[4] 'unassign' from-states JSON (TASK_LIFECYCLE.sources)  ARGV[5] batch limit
-- returns {'ok', JSON {absent, unassigned, raised}}
local grace, limit = tonumber(ARGV[2]), tonumber(ARGV[5])
local unassignable = set_of(ARGV[4])
local report = {absent = 0, unassigned = 0, raised = 0}

local due = redis.call('ZRANGEBYSCORE', K.pickers_present(), '-inf', NOW, 'WITHSCORES',
  'LIMIT', 0, limit)
for i = 1, #due, 2 do
  local picker, ended = due[i], tonumber(due[i + 1])
  local until_ms = lease_until(picker)
  if until_ms then
    redis.call('ZADD', K.pickers_present(), until_ms, picker)
  else
    mark_absent(picker, ended)
    report.absent = report.absent + 1
  end
end

local function raise_absent(picker, task_id, t, since)
  local steps = redis.call('LINDEX', K.steps(task_id), tonumber(t[3]))
  local step = steps and cjson.decode(steps) or {location = '', sku = ''}
  local exception_id = ARGV[3]
  if report.raised > 0 then exception_id = exception_id .. '-' .. (report.raised + 1) end
  local detail = 'picker ' .. picker .. ' absent for ' .. math.floor((NOW - since) / 1000) ..
    ' s with a started task (step ' .. (tonumber(t[3]) + 1) .. ' of ' .. t[6] .. ', ' .. t[4] ..
    ' picked there): reassign it or wait'
  redis.call('HSET', K.exception(exception_id), 'kind', 'picker_absent', 'status', 'raised',
    'raised_ms', NOW, 'picker', picker, 'task_id', task_id, 'location', step.location,
    'sku', step.sku, 'detail', detail, 'by', '', 'note', '', 'raised_by', 'presence', 'ref', '')
  redis.call('ZADD', K.exceptions_open(), NOW, exception_id)
  redis.call('HSET', K.task(task_id), 'absent_exception', exception_id)
  emit('exception_raised', {exception_id = exception_id, kind = 'picker_absent',
    status = 'raised', raised_ms = NOW, picker = picker, task_id = task_id,
    location = step.location, sku = step.sku, detail = detail, raised_by = 'presence',
    reference = ''})
  report.raised = report.raised + 1
end

local late = redis.call('ZRANGEBYSCORE', K.pickers_grace(), '-inf', NOW - grace, 'WITHSCORES',
  'LIMIT', 0, limit)
for i = 1, #late, 2 do
  local picker, since = late[i], tonumber(late[i + 1])
  redis.call('ZREM', K.pickers_grace(), picker)
  local task_id = redis.call('HGET', K.picker(picker), 'task')
  if task_id then
    local t = redis.call('HMGET', K.task(task_id), 'status', 'picker', 'step', 'picked', 'wave',
      'n_steps', 'absent_exception')
    if t[2] == picker and unassignable[t[1]] then
      if t[3] == '0' and t[4] == '0' then
        unassign_task(task_id, picker, t[5], 'picker_absent', 'presence')
        report.unassigned = report.unassigned + 1
      elseif not (t[7] and redis.call('ZSCORE', K.exceptions_open(), t[7])) then
        raise_absent(picker, task_id, t, since)  -- not while one for this task is still open
      end
    end
  end
end
if report.unassigned > 0 then hand_out() end
return {'ok', cjson.encode(report)}
