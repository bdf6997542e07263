-- Adds X to the pool unless it is there. ARGV: 3 tenant, 4 group, 5 area code.
if redis.call('EXISTS', K_NUM) == 1 then return finish('existing', nil, {}) end
redis.call('HSET', K_NUM, 'tenant', ARGV[3], 'group', ARGV[4], 'areaCode', ARGV[5], 'status', 'active', 'live', 0, 'addedAt', NOW)
return finish('added', nil, {})
