-- decide_count.lua: a supervisor approves (books) or rejects (books nothing) the variances of a
-- requires: events, tasks, planning
-- count waiting for approval; the count_hold is released either way and the count's exception is
-- resolved. An approval that would take a location below its allocated units or a SKU's on hand
-- below its reservations is refused (conflict) and changes nothing. A repeat of the same decision
-- returns the count as it is (idempotent); the other decision afterwards is illegal.
-- KEYS[1] events stream
-- ARGV[2] count id  ARGV[3] decision (approve|reject)  ARGV[4] by  ARGV[5] note
-- returns {'ok', status} | {'exists', status} | {'not_found', id} | {'illegal_transition', status}
-- | {'conflict', reason}
local id, decision = ARGV[2], ARGV[3]
local status = redis.call('HGET', K.count(id), 'status')
if not status then return {'not_found', id} end
local target = 'approved'
if decision == 'reject' then target = 'rejected' end
if status == target then return {'exists', status} end
if status ~= 'pending' then return {'illegal_transition', status} end
local pending = {}
local fields = redis.call('HGETALL', K.count(id))
for i = 1, #fields, 2 do
  local loc, sku = string.match(fields[i], '^p|(.-)|(.*)$')
  if loc then pending[#pending + 1] = {loc, sku, tonumber(fields[i + 1])} end
end
if decision == 'approve' then
  for _, p in ipairs(pending) do
    local loc, sku, delta = p[1], p[2], p[3]
    local allocated = tonumber(redis.call('HGET', K.sku_alloc(sku), loc) or '0')
    if units_at(sku, loc) + delta < allocated then
      return {'conflict', loc .. ' would hold fewer units of ' .. sku .. ' than open tasks need'}
    end
    local st = redis.call('HMGET', K.sku(sku), 'on_hand', 'reserved')
    if location_kind(loc) == 'pick_face' and tonumber(st[1]) + delta < tonumber(st[2]) then
      return {'conflict', sku .. ' would have fewer units on hand than are reserved for orders'}
    end
  end
end
for _, p in ipairs(pending) do
  local loc, sku, delta = p[1], p[2], p[3]
  if delta < 0 then
    state_add(sku, 'count_hold', delta)
    loc_state_add(loc, 'count_hold', sku, delta)
  end
  if decision == 'approve' then
    local on_hand = add_units(sku, loc, delta)
    local reserved = tonumber(redis.call('HGET', K.sku(sku), 'reserved') or '0')
    emit('stock_adjusted', {command_id = id, sku = sku, location = loc, delta = delta,
      reason = 'cycle_count', by = ARGV[4], on_hand = on_hand, available = on_hand - reserved})
  end
end
redis.call('HSET', K.count(id), 'status', target, 'decided_by', ARGV[4], 'decided_ms', NOW, 'note', ARGV[5])
redis.call('ZREM', K.counts_pending(), id)
local exception_id = redis.call('HGET', K.count(id), 'exception_id')
if exception_id and redis.call('HGET', K.exception(exception_id), 'status') ~= 'resolved' then
  redis.call('HSET', K.exception(exception_id), 'status', 'resolved', 'by', ARGV[4], 'note', ARGV[5])
  redis.call('ZREM', K.exceptions_open(), exception_id)
  emit('exception_resolved', {exception_id = exception_id, status = 'resolved', by = ARGV[4],
    note = ARGV[5]})
end
return {'ok', target}
