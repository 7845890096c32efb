-- put_locations.lua: create or update a chunk of locations of one warehouse.
-- requires: (none)
-- A location keeps its kind: a row that would turn a
-- known pick face into a reserve location (or back) is not written (its stock would be orphaned).
-- KEYS[1] events stream (routes the call to the warehouse's slot; nothing is appended)
-- ARGV[1] key prefix
-- ARGV[2] JSON [[code, kind, capacity, aisle, cell, level, zone, min_units, max_units], ...]
-- returns {index, code, detail, ...} for the 1-based entries NOT written (code: kind_changed)
local failed = {}
for index, e in ipairs(cjson.decode(ARGV[2])) do
  local code, kind = e[1], e[2]
  local before = redis.call('HGET', K.locations(), code)
  if before and before ~= kind then
    failed[#failed + 1] = index
    failed[#failed + 1] = 'kind_changed'
    failed[#failed + 1] = code .. ' is a ' .. before
  else
    redis.call('HSET', K.location(code), 'kind', kind, 'capacity', e[3], 'aisle', e[4], 'cell', e[5],
      'level', e[6], 'zone', e[7], 'min_units', e[8], 'max_units', e[9])
    redis.call('HSET', K.locations(), code, kind)
  end
end
return failed
