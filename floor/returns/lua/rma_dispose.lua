-- rma_dispose.lua: the disposition of one received unit, with its reason: restock (to receiving
-- requires: events, tasks, planning
-- with a putaway task), damaged / quarantine (unavailable states), return_to_vendor, destroy.
-- When every unit of the RMA has arrived and has a disposition (or the RMA is closed short with
-- action close), the RMA is done and one return_outcome event tells the channel (refund may
-- proceed). Idempotent per unit; a second, different disposition is refused.
-- KEYS[1] events stream
-- ARGV[2] rma id  ARGV[3] unit id ('' with action close)  ARGV[4] disposition | 'close'
-- ARGV[5] reason  ARGV[6] putaway location  ARGV[7] putaway task id  ARGV[8] by
-- returns {'ok', status} | {'exists', status} | {'not_found', id} | {'conflict', reason}
local key = K.rma(ARGV[2])
local r = redis.call('HMGET', key, 'status', 'units', 'received', 'disposed', 'channel', 'reference', 'order_id')
if not r[1] then return {'not_found', ARGV[2]} end
local units, received, disposed = tonumber(r[2]), tonumber(r[3]), tonumber(r[4])
if ARGV[4] == 'close' then
  if r[1] == 'closed' then return {'exists', 'closed'} end
  if disposed < received then return {'conflict', (received - disposed) .. ' received units still need a disposition'} end
else
  local raw = redis.call('HGET', key, 'u|' .. ARGV[3])
  if not raw then return {'not_found', ARGV[2] .. ' unit ' .. ARGV[3]} end
  local unit = cjson.decode(raw)
  if unit.disposition == ARGV[4] then return {'exists', r[1]} end
  if unit.disposition ~= '' then return {'conflict', 'unit ' .. ARGV[3] .. ' is already ' .. unit.disposition} end
  local sku, d = unit.sku, ARGV[4]
  state_add(sku, 'inspection', -1)
  if d == 'restock' then
    state_add(sku, 'receiving', 1)
    create_move_task(ARGV[7], 'putaway', {step_json(ARGV[6], sku, 1)}, false,
      {'sku', sku, 'quantity', 1, 'reason', 'return'})
    unit.location = ARGV[6]
    unit.task_id = ARGV[7]
    hand_out()
  elseif d == 'damaged' or d == 'quarantine' then
    state_add(sku, d, 1)
  end
  unit.disposition, unit.reason, unit.disposed_ms = d, ARGV[5], NOW
  redis.call('HSET', key, 'u|' .. ARGV[3], cjson.encode(unit))
  redis.call('HINCRBY', key, 'n|' .. d, 1)
  disposed = redis.call('HINCRBY', key, 'disposed', 1)
  if disposed < units then return {'ok', r[1]} end
end
local function n(d) return tonumber(redis.call('HGET', key, 'n|' .. d) or '0') end
redis.call('HSET', key, 'status', 'closed', 'closed_ms', NOW)
emit('return_outcome', {rma_id = ARGV[2], channel = r[5], reference = r[6], order_id = r[7],
  units = units, received = received, restocked = n('restock'), damaged = n('damaged'),
  quarantined = n('quarantine'), returned_to_vendor = n('return_to_vendor'), destroyed = n('destroy'),
  refund_units = received})
return {'ok', 'closed'}
