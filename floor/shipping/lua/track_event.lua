-- track_event.lua: apply one carrier tracking event to a parcel, once.
-- requires: events
-- Idempotent on (waybill, event time, carrier code): a repeat answers 'exists' and changes nothing.
-- The parcel's status follows its LATEST event by event time (late arrivals are kept in the history
-- but do not roll the status back); a final status (delivered, returned) takes the parcel off the
-- open set that the stuck/lost sweep reads, and so is a voided parcel (putback_cancel.lua).
-- KEYS[1] events stream
-- ARGV[2] waybill  ARGV[3] event ms  ARGV[4] carrier code  ARGV[5] status  ARGV[6] final (1|0)
-- ARGV[7] event JSON
-- returns {'ok', status now} | {'exists', status now} | {'not_found', waybill}
local parcel = K.parcel(ARGV[2])
if redis.call('EXISTS', parcel) == 0 then return {'not_found', ARGV[2]} end
if redis.call('SADD', K.parcel_seen(ARGV[2]), ARGV[3] .. '|' .. ARGV[4]) == 0 then
  return {'exists', redis.call('HGET', parcel, 'status')}
end
local at = tonumber(ARGV[3])
redis.call('ZADD', K.parcel_events(ARGV[2]), at, ARGV[7])
local last = tonumber(redis.call('HGET', parcel, 'last_event_ms') or '0')
local status = redis.call('HGET', parcel, 'status')
if at >= last and redis.call('HGET', parcel, 'final') ~= '1' then
  status = ARGV[5]
  redis.call('HSET', parcel, 'status', status, 'last_event_ms', at, 'last_code', ARGV[4], 'final', ARGV[6])
  if ARGV[6] == '1' then
    redis.call('ZREM', K.parcels_open(), ARGV[2])
    redis.call('HSET', parcel, 'closed_ms', NOW)
  elseif redis.call('HGET', parcel, 'void') == '1' then
    redis.call('ZREM', K.parcels_open(), ARGV[2])  -- voided (its order cancelled): never swept as stuck/lost
  else
    redis.call('ZADD', K.parcels_open(), at, ARGV[2])
  end
end
return {'ok', status}
