-- rma_receive.lua: the parcel of an RMA is scanned (action parcel), then each item (action item:
-- requires: events, tasks, planning
-- sku, serial, lot). An item must be on the RMA and not beyond its quantity; a serial-controlled
-- SKU needs its serial, and a serial is received once ever. The unit waits in `inspection`
-- until its disposition. Idempotent on the unit id (the scan's id).
-- KEYS[1] events stream
-- ARGV[2] rma id  ARGV[3] action (parcel|item)  ARGV[4] unit id  ARGV[5] sku  ARGV[6] serial
-- ARGV[7] lot  ARGV[8] by
-- returns {'ok', status} | {'exists', status} | {'not_found', id} | {'conflict', reason}
local key = K.rma(ARGV[2])
local r = redis.call('HMGET', key, 'status', 'lines', 'channel')
if not r[1] then return {'not_found', ARGV[2]} end
if ARGV[3] == 'parcel' then
  if r[1] ~= 'open' then return {'exists', r[1]} end
  redis.call('HSET', key, 'status', 'receiving', 'parcel_ms', NOW, 'parcel_by', ARGV[8])
  return {'ok', 'receiving'}
end
if redis.call('HEXISTS', key, 'u|' .. ARGV[4]) == 1 then return {'exists', r[1]} end
if r[1] == 'open' then return {'conflict', 'scan the parcel of ' .. ARGV[2] .. ' first'} end
if r[1] ~= 'receiving' then return {'conflict', ARGV[2] .. ' is ' .. r[1]} end
local sku, serial = ARGV[5], ARGV[6]
local wanted = 0
for _, line in ipairs(cjson.decode(r[2])) do
  if line[1] == sku then wanted = wanted + line[2] end
end
if wanted == 0 then return {'conflict', sku .. ' is not on ' .. ARGV[2]} end
local got = tonumber(redis.call('HGET', key, 'got|' .. sku) or '0')
if got >= wanted then return {'conflict', 'all ' .. wanted .. ' units of ' .. sku .. ' are already received'} end
if serial == '' and redis.call('HGET', K.sku_attrs(sku), 'serial_controlled') == '1' then
  return {'conflict', sku .. ' is serial-controlled: scan the serial'}
end
if serial ~= '' then
  local seen = redis.call('HGET', K.rma_serials(), sku .. '|' .. serial)
  if seen then return {'conflict', 'serial ' .. serial .. ' of ' .. sku .. ' was already received on ' .. seen} end
  redis.call('HSET', K.rma_serials(), sku .. '|' .. serial, ARGV[2])
end
redis.call('HSET', key, 'u|' .. ARGV[4], cjson.encode({sku = sku, serial = serial, lot = ARGV[7],
  disposition = '', reason = '', location = '', received_ms = NOW}))
redis.call('HINCRBY', key, 'got|' .. sku, 1)
redis.call('HINCRBY', key, 'received', 1)
redis.call('HINCRBY', K.return_stats(), 'r|' .. sku .. '|' .. r[3], 1)
state_add(sku, 'inspection', 1)
return {'ok', 'receiving'}
