-- next_waybill.lua: hand out the next waybill serial of a carrier's number ranges, never twice.
-- requires: events
-- One script = one atomic step: the current range advances by one; an exhausted range is replaced
-- by the next pending one (FIFO); no range left -> {'exhausted', carrier}.
-- KEYS[1] events stream
-- ARGV[2] carrier
-- returns {'ok', serial (string)} | {'exhausted', carrier}
local key = K.waybill_range(ARGV[2])
local nxt = tonumber(redis.call('HGET', key, 'next') or '')
local last = tonumber(redis.call('HGET', key, 'end') or '')
while not nxt or nxt > last do
  local range = redis.call('LPOP', K.waybill_pending(ARGV[2]))
  if not range then return {'exhausted', ARGV[2]} end
  local a, b = string.match(range, '^(%d+):(%d+)$')
  nxt, last = tonumber(a), tonumber(b)
  redis.call('HSET', key, 'next', nxt, 'end', last)
end
redis.call('HSET', key, 'next', nxt + 1)
return {'ok', string.format('%d', nxt)}
