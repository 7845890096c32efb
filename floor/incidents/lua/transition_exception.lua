-- transition_exception.lua: acknowledge or resolve a floor exception.
-- requires: events
-- The allowed from-states come from floor.exceptions.EXCEPTION_LIFECYCLE. Idempotent on the
-- (event, sender, command id): a repeat by the same sender returns the first result.
-- KEYS[1] events stream
-- ARGV[2] exception_id  ARGV[3] command_id  ARGV[4] event  ARGV[5] target state
-- ARGV[6] allowed from-states JSON  ARGV[7] final (1|0)  ARGV[8] actor  ARGV[9] note
-- ARGV[10] ttl seconds
-- returns {'ok', target} | {'exists', target} | {'not_found', id} | {'illegal_transition', state}
local cmd = K.command('exception_' .. ARGV[4], ARGV[8], ARGV[3])
local prev = redis.call('GET', cmd)
if prev then return {'exists', prev} end
local key = K.exception(ARGV[2])
local status = redis.call('HGET', key, 'status')
if not status then return {'not_found', ARGV[2]} end
if not set_of(ARGV[6])[status] then return {'illegal_transition', status} end
local target = ARGV[5]
redis.call('HSET', key, 'status', target, 'by', ARGV[8], 'note', ARGV[9], target .. '_ms', NOW)
if ARGV[7] == '1' then redis.call('ZREM', K.exceptions_open(), ARGV[2]) end
redis.call('SET', cmd, target, 'EX', tonumber(ARGV[10]))
emit('exception_' .. target, {exception_id = ARGV[2], status = target, by = ARGV[8],
  note = ARGV[9]})
return {'ok', target}
