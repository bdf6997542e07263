-- (caller, X) -> binding JSON in one round trip; the caller checks expiry against its clock.
-- ARGV: 3 caller.
local id = redis.call('HGET', K_P, ARGV[3])
if not id then id = redis.call('HGET', K_P, '*') end
if not id then return false end
return redis.call('HGET', K_B, id)
