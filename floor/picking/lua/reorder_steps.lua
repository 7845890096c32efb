-- reorder_steps.lua: replace the not-yet-visited tail of a task (steps after the current one) by
-- requires: events
-- the same steps in a new order (re-routing after a short pick appended steps). Refuses with
-- 'conflict' when the task moved on meanwhile (current step or step count changed).
-- KEYS[1] events stream
-- ARGV[2] task_id  ARGV[3] expected current step  ARGV[4] expected step count
-- ARGV[5] new tail JSON [step JSON, ...] (steps current+1 .. count-1, reordered)
-- returns {'ok', task_id} | {'conflict', reason}
local task_key = K.task(ARGV[2])
local t = redis.call('HMGET', task_key, 'status', 'step', 'n_steps', 'picker')
if t[1] ~= 'assigned' or t[2] ~= ARGV[3] or t[3] ~= ARGV[4] then
  return {'conflict', 'task ' .. ARGV[2] .. ' changed'}
end
local steps_key = K.steps(ARGV[2])
local first = tonumber(ARGV[3]) + 1
local tail = cjson.decode(ARGV[5])
if first + #tail ~= tonumber(ARGV[4]) then return {'conflict', 'tail length mismatch'} end
for i, step in ipairs(tail) do
  redis.call('LSET', steps_key, first + i - 1, step)
end
emit('task_updated', {task_id = ARGV[2], picker = t[4]})
return {'ok', ARGV[2]}
