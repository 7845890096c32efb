-- request_replenish.lua: replenish one pick face now (a supervisor, or a pick waiting for stock that
-- requires: events, tasks, planning
-- sits in reserve: urgent, to the head of the queue). One open replenishment per SKU x face.
-- KEYS[1] events stream
-- ARGV[2] sku  ARGV[3] face  ARGV[4] urgent (1|0)  ARGV[5] new task id  ARGV[6] units wanted at least
-- returns {'ok', task id or ''} | {'unknown_sku', sku}
if redis.call('EXISTS', K.sku(ARGV[2])) == 0 then return {'unknown_sku', ARGV[2]} end
local task = plan_replenish(ARGV[2], ARGV[3], ARGV[4] == '1', ARGV[5], tonumber(ARGV[6]))
if task then hand_out() end
return {'ok', task or ''}
