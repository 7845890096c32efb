-- putback_cancel.lua: cancel an order that is already on the floor (released, picked, packed): picking of
-- requires: events, ledger, presence, tasks, planning
-- it stops and its picked units go back through a put-back task (kind putback).
-- Steps of the order not yet picked leave their pick tasks (their allocation and reservation are
-- released through the ledger); the step being picked keeps what was picked. A task left without
-- steps completes (assigned: the picker gets the next task) or leaves the ready queue. Units
-- already picked become the put-back task's steps: one per (pick location, SKU), at most the
-- order's picked units. No unit picked: no task. A repeat answers 'exists' with the same task.
-- PACKED (ARGV[5] its labelled shipment, or ARGV[6] the owner of its open pack session): refused
-- ('shipped') once the carrier has a parcel of it (a tracking status past info_received) or the
-- shipment is handed over / closed; else the parcel is voided in the same script: every waybill
-- is marked void (parcel hash `void`=1, off the open-parcel set), the pack session is deleted, the
-- shipment claim of every member order is dropped (members of a merged parcel go back to packing:
-- `repack`), and the put-back task starts at the pack station (task fields source=pack, station,
-- shipment). The order keeps `voided` = the shipment id ('' for a session without a label).
-- The caller (floor/putback/service.py) then voids the labels with the carrier and the channel.
-- KEYS[1] events stream
-- ARGV[2] order id  ARGV[3] reason  ARGV[4] new task id  ARGV[5] shipment id ('' = none)
-- ARGV[6] pack session owner ('' = not on a pack bench)  ARGV[7] pack station ('' = unknown)
-- returns {'ok', task id or '', voided shipment id or '', packed 0|1} | {'exists', ...same}
--   | {'not_found', id} | {'illegal_transition', status} | {'shipped', why} | {'conflict', why}
local order_id, reason, new_task = ARGV[2], ARGV[3], ARGV[4]
local shipment_id, owner, station = ARGV[5] or '', ARGV[6] or '', ARGV[7] or ''
local okey = K.order(order_id)
local o = redis.call('HMGET', okey, 'status', 'wave', 'picked_units', 'putback', 'voided', 'lines', 'packed')
if not o[1] then return {'not_found', order_id} end
if o[1] == 'cancelled' then return {'exists', o[4] or '', o[5] or '', tonumber(o[7] or '0')} end
if o[1] ~= 'released' and o[1] ~= 'picked' and o[1] ~= 'picked_short' then
  return {'illegal_transition', o[1]}
end
-- the order's parcel: a labelled shipment or an open pack session (checked against what the caller saw)
local packed, members, waybills = false, {}, {}
local claimed = redis.call('GET', K.shipment_of_order(order_id))
if shipment_id ~= '' then
  local raw = redis.call('GET', K.shipment(shipment_id))
  if not raw or claimed ~= shipment_id then
    return {'conflict', 'the parcel of ' .. order_id .. ' changed while it was cancelled: try again'}
  end
  local s = cjson.decode(raw)
  if s.status == 'handed_over' or s.status == 'closed' then
    return {'shipped', order_id .. ' has shipped (shipment ' .. shipment_id .. ' ' .. s.status ..
      '): a cancel now is a return (floor/returns)'}
  end
  for _, box in ipairs(s.boxes) do
    local p = redis.call('HMGET', K.parcel(box.waybill), 'status', 'void')
    if p[2] ~= '1' and p[1] and p[1] ~= 'info_received' then
      return {'shipped', order_id .. ' has left with the carrier (waybill ' .. box.waybill .. ' ' .. p[1] ..
        '): a cancel now is a return (floor/returns)'}
    end
    waybills[#waybills + 1] = box.waybill
  end
  members[1] = s.order_id
  for _, m in ipairs(s.orders) do members[#members + 1] = m end
  if owner == '' then owner = s.order_id end
  packed = true
elseif owner ~= '' then
  local raw = redis.call('GET', K.pack(owner))
  if not raw then return {'conflict', 'the pack session of ' .. order_id .. ' changed: try again'} end
  local session = cjson.decode(raw)
  if claimed or session.shipment_id ~= '' then
    return {'conflict', order_id .. ' is being labelled right now: try again'}
  end
  members[1] = session.order_id
  for _, m in ipairs(session.orders) do members[#members + 1] = m end
  packed = true
elseif claimed or redis.call('EXISTS', K.pack(order_id)) == 1 then
  return {'conflict', order_id .. ' is on a pack bench: try again'}
end
if packed then
  local mine = false
  for _, m in ipairs(members) do if m == order_id then mine = true end end
  if not mine then return {'conflict', order_id .. ' is not in that parcel: try again'} end
end
local budget = tonumber(o[3] or '0')  -- units picked for the order: what may go back
local back, back_order, released = {}, {}, {}
local function give_back(loc, sku, qty)
  qty = math.min(qty, budget)
  if qty <= 0 then return end
  budget = budget - qty
  local key = loc .. '|' .. sku
  if not back[key] then back[key] = 0; back_order[#back_order + 1] = {loc, sku} end
  back[key] = back[key] + qty
end
local tasks = {}
if o[2] and o[2] ~= '' then tasks = cjson.decode(redis.call('HGET', K.wave(o[2]), 'tasks') or '[]') end
for _, task_id in ipairs(tasks) do
  local tkey = K.task(task_id)
  local t = redis.call('HMGET', tkey, 'status', 'step', 'picked', 'picker', 'wave')
  local done, cur, picked_now = t[1] == 'completed', tonumber(t[2] or '0'), tonumber(t[3] or '0')
  local raws = redis.call('LRANGE', K.steps(task_id), 0, -1)
  local keep, changed, cur_removed = {}, false, false
  for i, raw in ipairs(raws) do
    local s = cjson.decode(raw)
    local index = i - 1
    if s.order_id == order_id then
      local got = s.quantity
      if not done and index == cur then got = picked_now elseif not done and index > cur then got = 0 end
      give_back(s.location, s.sku, got)
      local left = s.quantity - got
      if left > 0 then
        ledger_move(s.sku, 'reserved', -left, 'release', order_id)
        released[s.sku] = (released[s.sku] or 0) + left
        if redis.call('HINCRBY', K.sku_alloc(s.sku), s.location, -left) <= 0 then
          redis.call('HDEL', K.sku_alloc(s.sku), s.location)
        end
      end
      if done or index < cur then
        keep[#keep + 1] = raw
      else
        changed = true
        if index == cur then cur_removed = true end
      end
    else
      keep[#keep + 1] = raw
    end
  end
  if changed then
    redis.call('DEL', K.steps(task_id))
    for first = 1, #keep, 1000 do
      redis.call('RPUSH', K.steps(task_id), unpack(keep, first, math.min(first + 999, #keep)))
    end
    redis.call('HSET', tkey, 'n_steps', #keep)
    if cur_removed then redis.call('HSET', tkey, 'picked', 0, 'at_loc', 0) end
    if cur >= #keep then  -- nothing left to pick in this task
      close_emptied_task(task_id, t[1], t[4], t[5])
    elseif t[1] == 'assigned' then
      emit('task_updated', {task_id = task_id, picker = t[4]})
    end
  end
end
if packed and budget > 0 then
  -- units the pick tasks no longer tell (tasks gone): back to a pick face holding the SKU
  local told = {}
  for key, qty in pairs(back) do
    local sku = string.match(key, '|(.*)$')
    told[sku] = (told[sku] or 0) + qty
  end
  for _, line in ipairs(cjson.decode(o[6] or '[]')) do
    local sku, want = line[1], tonumber(line[2])
    local missing = want - (told[sku] or 0)
    if missing > 0 then
      local faces = redis.call('HKEYS', K.sku_bins(sku))
      table.sort(faces)
      if faces[1] then
        give_back(faces[1], sku, missing)
        told[sku] = (told[sku] or 0) + missing
      end
    end
  end
end
local steps, units = {}, 0
for _, pair in ipairs(back_order) do
  local qty = back[pair[1] .. '|' .. pair[2]]
  steps[#steps + 1] = step_json(pair[1], pair[2], qty)
  units = units + qty
end
local task_id = ''
if #steps > 0 then
  task_id = new_task
  local fields = {'order_id', order_id, 'units', units, 'reason', reason, 'source', packed and 'pack' or 'tote'}
  if packed then
    fields[#fields + 1] = 'station'; fields[#fields + 1] = station
    fields[#fields + 1] = 'shipment'; fields[#fields + 1] = shipment_id
  end
  create_move_task(task_id, 'putback', steps, false, fields)
end
redis.call('HSET', okey, 'status', 'cancelled', 'reason', reason, 'cancelled_ms', NOW, 'putback', task_id,
  'voided', shipment_id, 'packed', packed and 1 or 0)
emit('order_put_back', {order_id = order_id, task_id = task_id, units = units, was = o[1], reason = reason})
if packed then
  for _, waybill in ipairs(waybills) do
    redis.call('HSET', K.parcel(waybill), 'void', 1, 'void_reason', reason, 'void_ms', NOW)
    redis.call('ZREM', K.parcels_open(), waybill)
  end
  local repack = {}
  for _, m in ipairs(members) do
    if claimed and redis.call('GET', K.shipment_of_order(m)) == claimed then
      redis.call('DEL', K.shipment_of_order(m))
    end
    if m ~= order_id then repack[#repack + 1] = m end
  end
  redis.call('DEL', K.pack(owner))
  emit('parcel_voided', {order_id = order_id, shipment_id = shipment_id, waybills = table.concat(waybills, ','),
    station = station, task_id = task_id, units = units, repack = table.concat(repack, ','), reason = reason})
end
if #steps > 0 then hand_out() end
return {'ok', task_id, shipment_id, packed and 1 or 0}
