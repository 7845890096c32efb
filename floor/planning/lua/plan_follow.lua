-- plan_follow.lua: apply a batch of Stream entries to planning, exactly once (a cursor per Stream).
-- requires: events, tasks, planning
-- Entries at or before the cursor are skipped, so any number of followers (one per web node) may
-- send the same batch. picked (units Stream): demand history, shipped units per SKU x channel,
-- the low-stock check and the pick face's min check. stock_adjusted: the low-stock check (a
-- crossing either way). exception_raised of kind short_pick: an urgent replenishment of that
-- face (a picker is waiting) and a count task for the location (on demand).
-- KEYS[1] events stream
-- ARGV[2] stream name (units|events)  ARGV[3] JSON [[entry id, type, data JSON], ...]
-- ARGV[4] today YYYYMMDD  ARGV[5] count tolerance units  ARGV[6] count tolerance pct
-- returns {'ok', JSON {applied, raised, tasks}}
local function id_parts(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function after(a, b)
  local ams, aseq = id_parts(a)
  local bms, bseq = id_parts(b)
  return ams > bms or (ams == bms and aseq > bseq)
end
local cursor = redis.call('HGET', K.plan_cursor(), ARGV[2]) or '0-0'
local applied, raised, tasks = 0, 0, {}
for _, entry in ipairs(cjson.decode(ARGV[3])) do
  local id, kind = entry[1], entry[2]
  if after(id, cursor) then
    cursor = id
    applied = applied + 1
    local d = cjson.decode(entry[3])
    if kind == 'picked' then
      redis.call('HINCRBY', K.demand(d.sku), ARGV[4], d.quantity)
      local channel = redis.call('HGET', K.order(d.order_id), 'channel') or ''
      redis.call('HINCRBY', K.return_stats(), 's|' .. d.sku .. '|' .. channel, d.quantity)
      raised = raised + check_low(d.sku, id)
      local task = plan_replenish(d.sku, d.location, false, next_id('R'), 0)
      if task then tasks[#tasks + 1] = task end
    elseif kind == 'stock_adjusted' then
      raised = raised + check_low(d.sku, id)
    elseif kind == 'exception_raised' and d.kind == 'short_pick' and d.location ~= '' then
      local task = plan_replenish(d.sku, d.location, true, next_id('R'), 0)
      if task then tasks[#tasks + 1] = task end
      local open_key = K.move_open('count', d.location)
      if not redis.call('GET', open_key) then
        local count_id = next_id('C')
        create_count(count_id, {{d.location, ''}}, tonumber(ARGV[5]), tonumber(ARGV[6]),
          'short_pick', false)
        redis.call('HSET', K.task(count_id), 'open_key', open_key)
        redis.call('SET', open_key, count_id)
        tasks[#tasks + 1] = count_id
      end
    end
  end
end
redis.call('HSET', K.plan_cursor(), ARGV[2], cursor)
if #tasks > 0 then hand_out() end
return {'ok', cjson.encode({applied = applied, raised = raised, tasks = tasks})}
