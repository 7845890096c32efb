-- presence_renew.lua: the heartbeat of one socket (every third of the lease ttl).
-- requires: events, presence, tasks
-- Extends the socket's lease. If the lease had already run out and a sweep marked the picker
-- absent, the picker is present again; without an assigned task it gets the next ready task (or
-- waits idle) and the socket hears of it through task_assigned.
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] socket id  ARGV[4] lease ttl ms
-- returns {'ok', 1 if the picker had been absent (present again now) else 0}
local picker = ARGV[2]
local returned = take_lease(picker, ARGV[3], tonumber(ARGV[4]))
if returned then
  local current = redis.call('HGET', K.picker(picker), 'task')
  if not (current and redis.call('HGET', K.task(current), 'status') == 'assigned') then
    assign_next(picker)
  end
end
return {'ok', returned and 1 or 0}
