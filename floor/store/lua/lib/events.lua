-- lib/events.lua: the clock and the warehouse event log.
-- NOW is Redis' own clock (TIME), never a web node's: every node and script agrees on time.
-- requires: (none)
local NOW
do
  local t = redis.call('TIME')
  NOW = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- The floor Stream is capped (approximately) at this many entries; boards that fall further
-- behind are told to resync. Unit-level events go to the separate `units` Stream.
local STREAM_MAXLEN = 200000
local UNITS_MAXLEN = 200000

-- Append an event (type + JSON data) to the warehouse's floor Stream; returns its id.
local function emit(kind, data)
  return redis.call('XADD', K.events(), 'MAXLEN', '~', STREAM_MAXLEN, '*', 'type', kind,
    'data', cjson.encode(data))
end

-- Append a unit-level event (each picked unit ...) to the `units` Stream read by KPI jobs.
local function emit_unit(kind, data)
  return redis.call('XADD', K.units(), 'MAXLEN', '~', UNITS_MAXLEN, '*', 'type', kind,
    'data', cjson.encode(data))
end

local function set_of(json_list)
  local s = {}
  for _, v in ipairs(cjson.decode(json_list)) do s[v] = true end
  return s
end
