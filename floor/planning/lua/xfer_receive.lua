-- xfer_receive.lua (warehouse B): the transfer arrives: good units go to receiving with a putaway
-- requires: events, tasks, planning
-- task, damaged ones to the damaged state, short ones are recorded lost in transit (with the
-- reason). good + short + damaged must equal the quantity. Idempotent on the transfer id.
-- KEYS[1] events stream
-- ARGV[2] transfer id  ARGV[3] good  ARGV[4] short  ARGV[5] damaged  ARGV[6] reason
-- ARGV[7] putaway location  ARGV[8] putaway task id  ARGV[9] by
-- returns {'ok', 'received'} | {'exists', status} | {'not_found', id} | {'conflict', reason}
local key = K.transfer(ARGV[2])
local t = redis.call('HMGET', key, 'status', 'sku', 'quantity')
if not t[1] then return {'not_found', ARGV[2]} end
if t[1] ~= 'expected' then return {'exists', t[1]} end
local sku, qty = t[2], tonumber(t[3])
local good, short, damaged = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if good + short + damaged ~= qty then
  return {'conflict', 'good + short + damaged must be ' .. qty .. ', got ' .. (good + short + damaged)}
end
state_add(sku, 'transit_in', -qty)
state_add(sku, 'damaged', damaged)
if good > 0 then
  state_add(sku, 'receiving', good)
  create_move_task(ARGV[8], 'putaway', {step_json(ARGV[7], sku, good)}, false,
    {'sku', sku, 'quantity', good, 'reason', 'transfer'})
  hand_out()
end
redis.call('HSET', key, 'status', 'received', 'received_ms', NOW, 'good', good, 'short', short,
  'damaged', damaged, 'reason', ARGV[6], 'putaway_task', good > 0 and ARGV[8] or '', 'received_by', ARGV[9])
return {'ok', 'received'}
