-- void_claim.lua: lease the carrier voids due for another try, so one sweeper tries each.
-- requires: (none)
-- A claimed waybill is due again at now + lease: if the sweeper that took it dies, another tries it
-- then; a try that ends reschedules it (void_later) or removes it (void_done).
-- KEYS[1] events stream
-- ARGV[2] now (ms), ARGV[3] lease (ms), ARGV[4] at most this many
-- returns the waybills claimed
local key = K.void_retry()
local due = redis.call('ZRANGEBYSCORE', key, '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
local lease_end = tonumber(ARGV[2]) + tonumber(ARGV[3])
for _, waybill in ipairs(due) do
  redis.call('ZADD', key, lease_end, waybill)
end
return due
