-- presence_renew_many.lua: the heartbeats of many sockets of one node at once (what
-- requires: events, presence, tasks
-- presence_renew.lua does for one, for each): a node renews the leases that are due together,
-- one call per warehouse, instead of one call and one timer per socket.
-- KEYS[1] events stream
-- ARGV[2] JSON [[picker, socket id, lease ttl ms], ...]
-- returns {'ok', JSON list of the pickers that had been absent (present again now)}
local back = {}
for _, lease in ipairs(cjson.decode(ARGV[2])) do
  local picker = lease[1]
  if take_lease(picker, lease[2], tonumber(lease[3])) then
    back[#back + 1] = picker
    local current = redis.call('HGET', K.picker(picker), 'task')
    if not (current and redis.call('HGET', K.task(current), 'status') == 'assigned') then
      assign_next(picker)
    end
  end
end
if #back == 0 then return {'ok', '[]'} end
return {'ok', cjson.encode(back)}
