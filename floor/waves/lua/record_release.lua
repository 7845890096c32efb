-- record_release.lua: keep an automatic release decision (newest first, the last 1,000) and show
-- requires: events
-- it on the board (a release_decided event).
-- KEYS[1] events stream
-- ARGV[2] decision JSON (floor.waves.policy.Decision)  ARGV[3] decision_id  ARGV[4] mode
-- ARGV[5] number of orders  ARGV[6] number of waves  ARGV[7] reason (short)
-- returns {'ok', decision_id}
redis.call('LPUSH', K.release_decisions(), ARGV[2])
redis.call('LTRIM', K.release_decisions(), 0, 999)
emit('release_decided', {decision_id = ARGV[3], mode = ARGV[4], orders = tonumber(ARGV[5]),
  waves = tonumber(ARGV[6]), reason = ARGV[7]})
return {'ok', ARGV[3]}
