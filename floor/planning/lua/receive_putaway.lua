-- receive_putaway.lua: units arrive at the dock (a receipt, a restocked return, a transfer) and a
-- requires: events, tasks, planning
-- putaway task to the suggested location is queued. The units sit in the SKU's `receiving` state
-- (not available) until the putaway scans book them at the location. Idempotent on
-- (sender, command id).
-- KEYS[1] events stream
-- ARGV[2] command id  ARGV[3] sender  ARGV[4] sku  ARGV[5] quantity  ARGV[6] location
-- ARGV[7] new task id  ARGV[8] reason (receipt|return|transfer)  ARGV[9] ttl seconds
-- ARGV[10] reduce on_order (1|0)
-- returns {'ok', task id} | {'exists', task id} | {'unknown_sku', sku}
local cmd = K.command('putaway', ARGV[3], ARGV[2])
local prev = redis.call('GET', cmd)
if prev then return {'exists', prev} end
local sku, qty, loc = ARGV[4], tonumber(ARGV[5]), ARGV[6]
if redis.call('EXISTS', K.sku(sku)) == 0 then return {'unknown_sku', sku} end
state_add(sku, 'receiving', qty)
if ARGV[10] == '1' then
  local on_order = tonumber(redis.call('HGET', K.sku_state(sku), 'on_order') or '0')
  state_add(sku, 'on_order', -math.min(on_order, qty))
end
create_move_task(ARGV[7], 'putaway', {step_json(loc, sku, qty)}, false,
  {'sku', sku, 'quantity', qty, 'reason', ARGV[8]})
redis.call('SET', cmd, ARGV[7], 'EX', tonumber(ARGV[9]))
hand_out()
return {'ok', ARGV[7]}
