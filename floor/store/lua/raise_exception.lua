-- raise_exception.lua: record a floor exception (damaged, blocked location, device fault ...).
-- Idempotent on the exception id (the caller's command id).
-- KEYS[1] events stream
-- ARGV[3] exception_id  ARGV[4] kind  ARGV[5] picker  ARGV[6] task_id  ARGV[7] location
-- ARGV[8] sku  ARGV[9] detail
-- returns {'ok', exception_id} | {'exists', exception_id}
local exception_id = ARGV[3]
local key = K.exception(exception_id)
if redis.call('EXISTS', key) == 1 then return {'exists', exception_id} end
redis.call('HSET', key, 'kind', ARGV[4], 'status', 'raised', 'raised_ms', NOW,
  'picker', ARGV[5], 'task_id', ARGV[6], 'location', ARGV[7], 'sku', ARGV[8],
  'detail', ARGV[9], 'by', '', 'note', '')
redis.call('ZADD', K.exceptions_open(), NOW, exception_id)
emit('exception_raised', {exception_id = exception_id, kind = ARGV[4], status = 'raised',
  raised_ms = NOW, picker = ARGV[5], task_id = ARGV[6], location = ARGV[7], sku = ARGV[8],
  detail = ARGV[9]})
return {'ok', exception_id}
