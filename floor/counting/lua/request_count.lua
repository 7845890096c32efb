-- request_count.lua: queue a blind count task for locations ([location, sku] pairs; sku '' = all
-- requires: events, tasks, planning
-- there). Idempotent on (sender, command id).
-- KEYS[1] events stream
-- ARGV[2] command id  ARGV[3] sender  ARGV[4] task id  ARGV[5] JSON [[location, sku], ...]
-- ARGV[6] tolerance units  ARGV[7] tolerance pct  ARGV[8] reason  ARGV[9] ttl seconds
-- returns {'ok', task id} | {'exists', task id}
local cmd = K.command('count', ARGV[3], ARGV[2])
local prev = redis.call('GET', cmd)
if prev then return {'exists', prev} end
create_count(ARGV[4], cjson.decode(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], false)
redis.call('SET', cmd, ARGV[4], 'EX', tonumber(ARGV[9]))
hand_out()
return {'ok', ARGV[4]}
