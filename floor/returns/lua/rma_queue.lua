-- rma_queue.lua: a return-receipt task (kind return) for an RMA at a dock location: one step per
-- requires: events, tasks, planning, returns
-- line of the RMA (the dock, the SKU, its units), handed to a present worker like any task. One
-- task per RMA: a repeat returns the task already queued.
-- KEYS[1] events stream
-- ARGV[2] rma id  ARGV[3] dock location  ARGV[4] new task id
-- returns {'ok', task id} | {'exists', task id} | {'not_found', id} | {'conflict', reason}
local key = K.rma(ARGV[2])
local r = redis.call('HMGET', key, 'status', 'lines', 'task', 'units')
if not r[1] then return {'not_found', ARGV[2]} end
if r[3] and r[3] ~= '' then return {'exists', r[3]} end
if r[1] == 'closed' then return {'conflict', ARGV[2] .. ' is closed'} end
local steps = {}
for _, line in ipairs(cjson.decode(r[2])) do steps[#steps + 1] = step_json(ARGV[3], line[1], line[2]) end
create_move_task(ARGV[4], 'return', steps, false, {'sku', cjson.decode(r[2])[1][1], 'quantity', r[4],
  'rma', ARGV[2]})
redis.call('HSET', key, 'task', ARGV[4])
hand_out()
return {'ok', ARGV[4]}
