-- transition_exception.lua: acknowledge or resolve a floor exception.
-- The allowed from-states come from floor.exceptions.EXCEPTION_LIFECYCLE. Idempotent on the
-- command id: a repeat returns the first result.
-- KEYS[1] events stream
-- ARGV[3] exception_id  ARGV[4] command_id  ARGV[5] event  ARGV[6] target state
-- ARGV[7] allowed from-states JSON  ARGV[8] final (1|0)  ARGV[9] actor  ARGV[10] note
-- ARGV[11] ttl seconds
-- returns {'ok', target} | {'exists', target} | {'not_found', id} | {'illegal_transition', state}
local cmd = K.command(ARGV[4])
local prev = redis.call('GET', cmd)
if prev then return {'exists', prev} end
local key = K.exception(ARGV[3])
local status = redis.call('HGET', key, 'status')
if not status then return {'not_found', ARGV[3]} end
if not set_of(ARGV[7])[status] then return {'illegal_transition', status} end
local target = ARGV[6]
redis.call('HSET', key, 'status', target, 'by', ARGV[9], 'note', ARGV[10], target .. '_ms', NOW)
if ARGV[8] == '1' then redis.call('ZREM', K.exceptions_open(), ARGV[3]) end
redis.call('SET', cmd, target, 'EX', tonumber(ARGV[11]))
emit('exception_' .. target, {exception_id = ARGV[3], status = target, by = ARGV[9],
  note = ARGV[10]})
return {'ok', target}
