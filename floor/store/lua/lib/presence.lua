-- lib/presence.lua: picker presence leases. A picker is present while any of its sockets holds
-- requires: events
-- an unexpired lease (presence:<picker>, socket id -> expiry ms by Redis TIME): decided by time,
-- never by another node's guess. pickers:present / pickers:absent record the state the events
-- told (picker_present / picker_absent come in pairs); pickers:grace holds the absent pickers
-- whose grace check (presence_sweep) has not run yet.

-- Does the picker hold an unexpired lease right now? (what task hand-out asks)
local function is_present(picker)
  return redis.call('ZCOUNT', K.presence(picker), '(' .. NOW, '+inf') > 0
end

-- Drop the picker's expired leases; the latest remaining expiry (ms), or false when none is left.
local function lease_until(picker)
  local key = K.presence(picker)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', NOW)
  local top = redis.call('ZREVRANGE', key, 0, 0, 'WITHSCORES')
  if #top == 0 then return false end
  return tonumber(top[2])
end

-- The picker's last lease ended at `since` (ms): no new work, and the grace clock starts.
local function mark_absent(picker, since)
  redis.call('ZREM', K.pickers_present(), picker)
  redis.call('SREM', K.pickers_idle(), picker)
  redis.call('ZADD', K.pickers_absent(), since, picker)
  redis.call('ZADD', K.pickers_grace(), since, picker)
  emit('picker_absent', {picker = picker, since_ms = since})
end

-- Take or extend one socket's lease. Returns true when the picker was recorded absent before
-- (it is present again: picker_present is emitted and its grace check is called off).
local function take_lease(picker, socket_id, ttl_ms)
  local was_present = redis.call('ZSCORE', K.pickers_present(), picker)
  redis.call('ZADD', K.presence(picker), NOW + ttl_ms, socket_id)
  redis.call('ZADD', K.pickers_present(), lease_until(picker), picker)
  if was_present then return false end
  redis.call('ZREM', K.pickers_absent(), picker)
  redis.call('ZREM', K.pickers_grace(), picker)
  emit('picker_present', {picker = picker})
  return true
end
