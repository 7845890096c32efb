-- add_waybill_range.lua: add a carrier's number range (inclusive) unless it overlaps one already added.
-- requires: events
-- KEYS[1] events stream
-- ARGV[2] carrier  ARGV[3] first serial  ARGV[4] last serial
-- returns {'ok', 'start:end'} | {'exists', 'start:end'} (the same range again) | {'conflict', overlapped}
local a, b = tonumber(ARGV[3]), tonumber(ARGV[4])
local label = string.format('%d:%d', a, b)
for _, range in ipairs(redis.call('LRANGE', K.waybill_ranges(ARGV[2]), 0, -1)) do
  if range == label then return {'exists', label} end
  local x, y = string.match(range, '^(%d+):(%d+)$')
  if a <= tonumber(y) and tonumber(x) <= b then return {'conflict', range} end
end
redis.call('RPUSH', K.waybill_ranges(ARGV[2]), label)
redis.call('RPUSH', K.waybill_pending(ARGV[2]), label)
return {'ok', label}
