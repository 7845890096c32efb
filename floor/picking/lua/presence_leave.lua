-- presence_leave.lua: a node closed a socket of the picker: drop that socket's lease only.
-- requires: events, presence
-- The picker stays present while another socket (on any node) holds an unexpired lease; with
-- none left it is absent from now on (off the idle set, picker_absent, grace clock started).
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] socket id
-- returns {'ok', 1 if the picker is absent now else 0}
local picker = ARGV[2]
redis.call('ZREM', K.presence(picker), ARGV[3])
local until_ms = lease_until(picker)
if until_ms then
  if redis.call('ZSCORE', K.pickers_present(), picker) then
    redis.call('ZADD', K.pickers_present(), until_ms, picker)
  end
  return {'ok', 0}
end
if redis.call('ZSCORE', K.pickers_present(), picker) then mark_absent(picker, NOW) end
return {'ok', 1}
