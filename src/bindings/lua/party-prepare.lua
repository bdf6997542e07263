-- One party's view before an allocation (derived data, a hint): the X it may not get now, the X
-- last used with the same peer, and an optional short lock against a concurrent bind of the pair.
-- KEYS: 1 used-X zset, 2 pair hints, 3 pair lock. ARGV: 1 now, 2 pair key ('' = none),
--       3 lock token ('' = no lock), 4 lock ttl (ms).
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local used = redis.call('ZRANGE', KEYS[1], 0, -1)
local hint = false
if ARGV[2] ~= '' then hint = redis.call('HGET', KEYS[2], ARGV[2]) end
local locked = 0
if ARGV[3] ~= '' then
  if redis.call('SET', KEYS[3], ARGV[3], 'NX', 'PX', tonumber(ARGV[4])) then locked = 1 end
end
return { used, hint, locked }
