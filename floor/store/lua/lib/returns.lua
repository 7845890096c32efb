-- returns.lua: receiving one returned unit of an RMA (used by rma_receive.lua for the API and by
-- rma_scan.lua for the handheld, so both paths apply the same checks).
-- requires: events, planning

-- Receive unit `unit_id` (the scan's id) of `sku` on RMA `rma_id`. The RMA must be receiving, the
-- SKU on it and not fully received; a serial-controlled SKU needs its serial; a serial is received
-- once ever. Returns code, text: code is ok | exists (this unit id already received) | not_found |
-- parcel_first | closed | not_on_rma | all_received | serial_required | repeated_serial.
local function receive_unit(rma_id, unit_id, sku, serial, lot)
  local key = K.rma(rma_id)
  local r = redis.call('HMGET', key, 'status', 'lines', 'channel')
  if not r[1] then return 'not_found', rma_id end
  if redis.call('HEXISTS', key, 'u|' .. unit_id) == 1 then return 'exists', r[1] end
  if r[1] == 'open' then return 'parcel_first', 'scan the parcel of ' .. rma_id .. ' first' end
  if r[1] ~= 'receiving' then return 'closed', rma_id .. ' is ' .. r[1] end
  local wanted = 0
  for _, line in ipairs(cjson.decode(r[2])) do
    if line[1] == sku then wanted = wanted + line[2] end
  end
  if wanted == 0 then return 'not_on_rma', sku .. ' is not on ' .. rma_id end
  local got = tonumber(redis.call('HGET', key, 'got|' .. sku) or '0')
  if got >= wanted then return 'all_received', 'all ' .. wanted .. ' units of ' .. sku .. ' are already received' end
  if serial == '' and redis.call('HGET', K.sku_attrs(sku), 'serial_controlled') == '1' then
    return 'serial_required', sku .. ' is serial-controlled: scan the serial'
  end
  if serial ~= '' then
    local seen = redis.call('HGET', K.rma_serials(), sku .. '|' .. serial)
    if seen then return 'repeated_serial', 'serial ' .. serial .. ' of ' .. sku .. ' was already received on ' .. seen end
    redis.call('HSET', K.rma_serials(), sku .. '|' .. serial, rma_id)
  end
  redis.call('HSET', key, 'u|' .. unit_id, cjson.encode({sku = sku, serial = serial, lot = lot,
    disposition = '', reason = '', location = '', received_ms = NOW}))
  redis.call('HINCRBY', key, 'got|' .. sku, 1)
  redis.call('HINCRBY', key, 'received', 1)
  redis.call('HINCRBY', K.return_stats(), 'r|' .. sku .. '|' .. r[3], 1)
  state_add(sku, 'inspection', 1)
  return 'ok', 'receiving'
end
