-- presence_join.lua: a node accepted a socket of the picker: take that socket's lease.
-- requires: events, presence, tasks
-- A picker without an assigned task joins the idle set (the socket asks assign_task next).
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] socket id (made by the node)  ARGV[4] lease ttl ms
-- returns {'ok', 1 if the picker was absent before (picker_present emitted) else 0}
local picker = ARGV[2]
local returned = take_lease(picker, ARGV[3], tonumber(ARGV[4]))
local current = redis.call('HGET', K.picker(picker), 'task')
if not (current and redis.call('HGET', K.task(current), 'status') == 'assigned') then
  redis.call('SADD', K.pickers_idle(), picker)
end
return {'ok', returned and 1 or 0}
