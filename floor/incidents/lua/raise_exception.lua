-- raise_exception.lua: record a floor exception (damaged, blocked location, device fault ...).
-- requires: events
-- Idempotent on (sender, the sender's id for it): two senders' ids never collide; a repeat by
-- the same sender returns the exception created the first time.
-- KEYS[1] events stream
-- ARGV[2] new exception_id  ARGV[3] kind  ARGV[4] picker  ARGV[5] task_id  ARGV[6] location
-- ARGV[7] sku  ARGV[8] detail  ARGV[9] sender  ARGV[10] sender's id  ARGV[11] ttl seconds
-- returns {'ok', exception_id} | {'exists', exception_id of the first call}
local ref = K.exception_ref(ARGV[9], ARGV[10])
local existing = redis.call('GET', ref)
if existing then return {'exists', existing} end
local exception_id = ARGV[2]
local key = K.exception(exception_id)
redis.call('HSET', key, 'kind', ARGV[3], 'status', 'raised', 'raised_ms', NOW,
  'picker', ARGV[4], 'task_id', ARGV[5], 'location', ARGV[6], 'sku', ARGV[7],
  'detail', ARGV[8], 'by', '', 'note', '', 'raised_by', ARGV[9], 'ref', ARGV[10])
redis.call('ZADD', K.exceptions_open(), NOW, exception_id)
redis.call('SET', ref, exception_id, 'EX', tonumber(ARGV[11]))
emit('exception_raised', {exception_id = exception_id, kind = ARGV[3], status = 'raised',
  raised_ms = NOW, picker = ARGV[4], task_id = ARGV[5], location = ARGV[6], sku = ARGV[7],
  detail = ARGV[8], raised_by = ARGV[9], reference = ARGV[10]})
return {'ok', exception_id}
