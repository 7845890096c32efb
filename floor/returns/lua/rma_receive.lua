-- rma_receive.lua: the parcel of an RMA is scanned (action parcel), then each item (action item:
-- requires: events, tasks, planning, returns
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
local code, text = receive_unit(ARGV[2], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
if code == 'ok' or code == 'exists' or code == 'not_found' then return {code, text} end
return {'conflict', text}
