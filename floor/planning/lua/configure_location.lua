-- configure_location.lua: a pick face's min / max / capacity, or a reserve location (aisle, cell
-- requires: (none)
-- tell where it is, so putaway can choose one near a pick face). Setting is idempotent.
-- KEYS[1] events stream
-- ARGV[2] location  ARGV[3] kind (pick_face|reserve)  ARGV[4] min  ARGV[5] max  ARGV[6] capacity
-- ARGV[7] aisle  ARGV[8] cell
-- returns {'ok', location}
redis.call('HSET', K.locations(), ARGV[2], ARGV[3])
redis.call('HSET', K.location(ARGV[2]), 'kind', ARGV[3], 'min_units', tonumber(ARGV[4]),
  'max_units', tonumber(ARGV[5]), 'capacity', tonumber(ARGV[6]), 'aisle', tonumber(ARGV[7]),
  'cell', tonumber(ARGV[8]))
redis.call('INCRBY', K.plan_seq(), 0)  -- the warehouse is under planning now (the follower follows it)
return {'ok', ARGV[2]}
