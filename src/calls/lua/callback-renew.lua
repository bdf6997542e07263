-- Renews the leases of one tenant's callbacks run by the calling process. A callback whose member
-- is gone was finalised by a sweeper (or ended): its id is returned as lost, never re-added.
-- KEYS[1] the tenant's active set. ARGV[1] new lease deadline (ms), ARGV[2] key TTL (ms),
-- ARGV[3..] ids. Returns the lost ids.
local lost = {}
for i = 3, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
  else
    lost[#lost + 1] = ARGV[i]
  end
end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return lost
