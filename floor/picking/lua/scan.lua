-- scan.lua: validate one scan against the picker's task and apply it. The hot path.
-- requires: events, stock, orders, tasks
-- A repeated scan id returns the first verdict and changes nothing.
-- Location scans confirm the picker is at the current step's location; item scans (GTIN-14 of a
-- unit or of a case from master data, or a registered SSCC, with optional lot / expiry / serial /
-- count) pick units: stock, allocation, lot stock, serials, order and wave progress move here, the
-- step advances when its quantity is reached, and a finished task hands out the next one.
-- Lots: the allocated lot, or a FEFO substitute (the earliest-expiring unexpired lot with stock at
-- that location), which then takes over the step's allocation; expired lots are refused.
-- Serials: each serial of a SKU once, ever; recorded on the order line.
-- Totes (site flag tote_scan = 1): the task's totes are bound to cart positions first (tote
-- scans, in position order); after each picked item the picker scans its tote (wrong_tote names
-- the right one); a task completes only when its last tote is confirmed. mode swap_tote: the
-- scanned tote replaces the one of the current position (a full tote swapped for an empty one).
-- Issue 11 (task fields set at release): `batch` = a pick-and-sort tour: its picks move stock into
-- the batch tote of sort task <batch> (sort:<id>:tote, per SKU) and credit no order (the put-wall
-- sort scan does, floor/sorting); its completion releases that sort task. `handin` = a zone tour
-- receiving totes from earlier zones: it starts by scanning each of them (tote_received, in order;
-- `handin_n` counts them). `handout` = a zone tour whose orders go on to later zones: when it is
-- done, each tote is handed over (tote_handed_over) and the receiving tour is released once all
-- its totes are; the last verdict lists them (`handover`).
-- KEYS[1] events stream
-- ARGV[2] picker  ARGV[3] task_id ('' = the picker's current task)  ARGV[4] scan_id
-- ARGV[5] kind (location|tote|item|case|invalid|unknown)  ARGV[6] code  ARGV[7] quantity  ARGV[8] lot
-- ARGV[9] expiry YYYYMMDD ('' = none)  ARGV[10] today YYYYMMDD (warehouse time zone)  ARGV[11] ttl seconds
-- ARGV[12] raw barcode  ARGV[13] serial  ARGV[14] count (AI 30/37, 0 = none)  ARGV[15] net weight g
-- ARGV[16] mode ('' | swap_tote)
-- returns {0, verdict JSON} for a new scan, {1, first verdict JSON} for a repeat
local picker, scan_id = ARGV[2], ARGV[4]
local scan_key = K.scan(picker, scan_id)
local first = redis.call('GET', scan_key)
if first then return {1, first} end

local task_id = ARGV[3]
if task_id == '' then task_id = redis.call('HGET', K.picker(picker), 'task') or '' end
local result = {type = 'verdict', scan_id = scan_id, task_id = task_id, barcode = ARGV[12]}
local task_key = K.task(task_id)
local t = redis.call('HMGET', task_key, 'picker', 'status', 'step', 'picked', 'at_loc',
  'n_steps', 'wave', 'await_tote', 'batch', 'handin', 'handin_n', 'handout', 'kind')
local kind, code, qty = ARGV[5], ARGV[6], tonumber(ARGV[7])
local lot, expiry, today = ARGV[8], ARGV[9], ARGV[10]
local serial, count, weight, mode = ARGV[13] or '', tonumber(ARGV[14] or '0') or 0,
  tonumber(ARGV[15] or '0') or 0, ARGV[16] or ''
local verdict
local task_done = false

local function tote_ref(totes_key, position)
  return {position = position, label = redis.call('HGET', totes_key, 'p:' .. position) or ''}
end

-- The task's tote positions and the first one still unbound (nil when all are bound).
local function tote_binding(totes_key, steps_key)
  local need = redis.call('HGET', totes_key, 'need')
  local positions
  if need then
    positions = cjson.decode(need)
  else
    local seen = {}
    positions = {}
    for _, text in ipairs(redis.call('LRANGE', steps_key, 0, -1)) do
      local position = tonumber(cjson.decode(text).tote) or 1
      if not seen[position] then seen[position] = true; positions[#positions + 1] = position end
    end
    table.sort(positions)
    redis.call('HSET', totes_key, 'need', cjson.encode(positions))
  end
  for _, position in ipairs(positions) do
    if redis.call('HEXISTS', totes_key, 'p:' .. position) == 0 then return position end
  end
  return nil
end

-- Is `label` bound to another task that is still being picked?
local function tote_taken(label)
  local holder = redis.call('GET', K.tote(label))
  return holder and holder ~= task_id and redis.call('HGET', K.task(holder), 'status') == 'assigned'
end

local function bind_tote(totes_key, position, label)
  redis.call('HSET', totes_key, 'p:' .. position, label, 'l:' .. label, position)
  redis.call('SET', K.tote(label), task_id)
end

-- The expiry (YYYYMMDD) of a lot of `sku`: the barcode's, else master data's, else ''.
local function lot_expiry(sku, the_lot, given)
  if given ~= '' then return given end
  local text = redis.call('HGET', K.lot_expiry(sku), the_lot) or ''
  return (string.gsub(text, '-', ''))
end

-- The earliest expiry among unexpired lots of `sku` with stock at `loc` ('' if none is known).
local function fefo_expiry(sku, loc)
  local best = ''
  local fields = redis.call('HGETALL', K.sku_lots(sku))
  for i = 1, #fields, 2 do
    local at, the_lot = string.match(fields[i], '^(.-)|(.*)$')
    if at == loc and tonumber(fields[i + 1]) > 0 then
      local e = lot_expiry(sku, the_lot, '')
      if e ~= '' and e >= today and (best == '' or e < best) then best = e end
    end
  end
  return best
end

local function finish_tour_here() -- issue 11: lib/tasks.lua finish_tour, its hand-overs in the verdict
  result.handover = finish_tour(task_id, picker, t[7])
end

local handin_next = nil -- issue 11: the next tote this zone tour receives (nil when all are in)
if t[10] and t[10] ~= '' then
  handin_next = cjson.decode(t[10])[(tonumber(t[11] or '0') or 0) + 1]
end

if t[1] ~= picker or t[2] ~= 'assigned' or (t[13] and t[13] ~= 'pick') then -- other kinds: their scripts
  verdict = 'not_your_task'
else
  local index, picked, at_loc = tonumber(t[3]), tonumber(t[4]), t[5] == '1'
  local awaiting = tonumber(t[8] or '')
  local steps_key = K.steps(task_id)
  local totes_key = K.task_totes(task_id)
  local step = cjson.decode(redis.call('LINDEX', steps_key, math.min(index, tonumber(t[6]) - 1)))
  local tote_mode = redis.call('HGET', K.site(), 'tote_scan') == '1'
  local unbound = nil
  if tote_mode then unbound = tote_binding(totes_key, steps_key) end

  if mode == 'swap_tote' then
    local position = awaiting or tonumber(step.tote) or 1
    if kind ~= 'tote' then
      verdict = 'wrong_kind'; result.expected_kind = 'tote'; result.scanned_kind = kind
    elseif redis.call('HEXISTS', totes_key, 'l:' .. code) == 1 or tote_taken(code) then
      verdict = 'tote_in_use'
    else
      local old = redis.call('HGET', totes_key, 'p:' .. position)
      if old then redis.call('HDEL', totes_key, 'l:' .. old); redis.call('DEL', K.tote(old)) end
      bind_tote(totes_key, position, code)
      verdict = 'tote_swapped'
      if old then result.replaced = old end
    end
    result.tote = tote_ref(totes_key, position)
  elseif handin_next then -- issue 11: receive the totes handed over from earlier zones first
    result.receive = handin_next
    if kind ~= 'tote' then
      verdict = 'wrong_kind'; result.expected_kind = 'tote'; result.scanned_kind = kind
    elseif code ~= handin_next.tote then
      verdict = 'wrong_tote'
    else
      verdict = 'tote_received'
      redis.call('HINCRBY', task_key, 'handin_n', 1)
      if tote_mode then bind_tote(totes_key, tonumber(handin_next.position) or 1, code) end
      handin_next = cjson.decode(t[10])[(tonumber(t[11] or '0') or 0) + 2]
      result.receive = handin_next -- the next tote to scan in (absent when all are in)
      if tote_mode then unbound = tote_binding(totes_key, steps_key) end
    end
  elseif unbound then
    if kind ~= 'tote' then
      verdict = 'wrong_kind'; result.expected_kind = 'tote'; result.scanned_kind = kind
    elseif redis.call('HEXISTS', totes_key, 'l:' .. code) == 1 or tote_taken(code) then
      verdict = 'tote_in_use'
    else
      bind_tote(totes_key, unbound, code)
      verdict = 'tote_bound'
      result.tote = {position = unbound, label = code}
      unbound = tote_binding(totes_key, steps_key)
    end
  elseif awaiting then
    result.tote = tote_ref(totes_key, awaiting)
    if kind ~= 'tote' then
      verdict = 'wrong_kind'; result.expected_kind = 'tote'; result.scanned_kind = kind
    elseif code ~= result.tote.label then
      verdict = 'wrong_tote'
      local other = redis.call('HGET', totes_key, 'l:' .. code)
      if other then result.scanned_position = tonumber(other) end
    else
      verdict = 'ok'
      redis.call('HDEL', task_key, 'await_tote')
      awaiting = nil
      if index >= tonumber(t[6]) then
        task_done = true
        finish_tour_here()
      end
    end
  elseif kind == 'location' then
    if code == step.location then
      verdict = 'ok'
      if not at_loc then at_loc = true; redis.call('HSET', task_key, 'at_loc', 1) end
    else
      verdict = 'wrong_location'
    end
  elseif kind == 'item' or kind == 'case' then
    local per, case_key = 1, nil
    local sku_ok = code == step.gtin
    if kind == 'case' then
      case_key = K.sscc(code)
      local c = redis.call('HMGET', case_key, 'sku', 'units', 'lot', 'expiry', 'used')
      if not c[1] then verdict = 'unknown_case'
      elseif c[5] == '1' then verdict = 'case_used'
      else
        sku_ok = c[1] == step.sku
        qty, count = tonumber(c[2]), 0
        if lot == '' then lot = c[3] or '' end
        if expiry == '' then expiry = c[4] or '' end
      end
    elseif not sku_ok then
      local pack = redis.call('HGET', K.pack_gtin(), code)
      if pack then
        pack = cjson.decode(pack)
        if pack.sku == step.sku then sku_ok, per = true, tonumber(pack.units) or 1 end
      end
    end
    if count > 0 then qty = count end
    qty = qty * per
    local flags = redis.call('HMGET', K.sku_attrs(step.sku), 'lot_controlled', 'serial_controlled')
    local lot_ctl, serial_ctl = flags[1] == '1' or step.lot ~= '', flags[2] == '1'
    local lot_exp = expiry
    if lot_exp == '' and lot ~= '' then lot_exp = lot_expiry(step.sku, lot, '') end
    if verdict then -- a case label that cannot be used
    elseif not sku_ok then verdict = 'wrong_item'
    elseif not at_loc then verdict = 'scan_location_first'
    elseif lot_ctl and lot == '' then verdict = 'lot_required'
    elseif lot_exp ~= '' and lot_exp < today then verdict = 'expired_lot'
    elseif lot_ctl and lot ~= step.lot and (
        tonumber(redis.call('HGET', K.sku_lots(step.sku), step.location .. '|' .. lot) or '0') <= 0
        or (lot_exp ~= fefo_expiry(step.sku, step.location))) then
      verdict = 'wrong_lot'
    elseif serial_ctl and serial == '' then verdict = 'serial_required'
    elseif serial_ctl and redis.call('SISMEMBER', K.serials(step.sku), serial) == 1 then
      verdict = 'repeated_serial'
      result.serial = serial
    elseif picked + qty > step.quantity then verdict = 'over_pick'
    else
      verdict = 'ok'
      result.units = qty
      if lot_ctl and lot ~= step.lot then
        if step.lot ~= '' then result.substituted = step.lot end
        step.lot = lot
        redis.call('LSET', steps_key, index, cjson.encode(step))
      end
      if lot ~= '' then
        result.lot = lot
        local lot_field = step.location .. '|' .. lot
        if redis.call('HEXISTS', K.sku_lots(step.sku), lot_field) == 1 and
            redis.call('HINCRBY', K.sku_lots(step.sku), lot_field, -qty) <= 0 then
          redis.call('HDEL', K.sku_lots(step.sku), lot_field)
        end
      end
      if serial_ctl then
        redis.call('SADD', K.serials(step.sku), serial)
        if step.order_id ~= '' then -- issue 11: a batch tour's step is for no order (the serial set holds it)
          redis.call('RPUSH', K.order_serials(step.order_id), cjson.encode({line = step.line,
            sku = step.sku, serial = serial, scan_id = scan_id}))
        end
        result.serial = serial
      end
      if weight > 0 then result.weight_g = weight end
      if case_key then redis.call('HSET', case_key, 'used', 1, 'order_id', step.order_id) end
      picked = picked + qty
      consume_stock(step.sku, step.location, qty)
      local batch = t[9] and t[9] ~= '' -- issue 11: a batch tour fills its tote, credits no order
      if batch then
        redis.call('HINCRBY', K.sort_tote(t[9]), step.sku, qty)
      else
        redis.call('HINCRBY', K.order(step.order_id), 'picked_units', qty)
      end
      redis.call('HINCRBY', K.wave(t[7]), 'picked_units', qty)
      emit_unit('picked', {task_id = task_id, picker = picker, sku = step.sku,
        location = step.location, quantity = qty, order_id = step.order_id, scan_id = scan_id})
      if tote_mode then
        awaiting = tonumber(step.tote) or 1
        result.tote = tote_ref(totes_key, awaiting)
        redis.call('HSET', task_key, 'await_tote', awaiting)
      end
      if picked >= step.quantity then
        if not batch then settle_order(step.order_id) end
        index, picked, at_loc = index + 1, 0, false
        if index >= tonumber(t[6]) and not tote_mode then task_done = true end
      end
      redis.call('HSET', task_key, 'step', index, 'picked', picked, 'at_loc', at_loc and 1 or 0)
      if task_done then
        finish_tour_here()
      elseif index < tonumber(t[6]) then
        step = cjson.decode(redis.call('LINDEX', steps_key, index))
      end
    end
  elseif kind == 'tote' then
    verdict = 'wrong_kind'; result.scanned_kind = 'tote'
    result.expected_kind = at_loc and 'item' or 'location'
  elseif kind == 'invalid' then
    verdict = 'bad_barcode'
  else
    verdict = 'unknown_barcode'
  end
  if verdict == 'wrong_kind' and not result.expected_kind then result.expected_kind = 'tote' end
  result.step = index
  result.picked = picked
  result.at_location = at_loc
  result.task_done = task_done
  if unbound then result.binding = unbound end
  if awaiting then result.await_tote = awaiting end
  if handin_next then result.receive = handin_next end
  if not task_done and index < tonumber(t[6]) then result.expected = step end
end
result.verdict = verdict
redis.call('HINCRBY', K.verdicts(), verdict, 1)
local out = cjson.encode(result)
redis.call('SET', scan_key, out, 'EX', tonumber(ARGV[11]))
return {0, out}
