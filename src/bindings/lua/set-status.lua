-- Enables or disables X (a disabled X gets no new bindings; existing ones run out). ARGV: 3 status.
if redis.call('EXISTS', K_NUM) == 0 then return finish('nonum', nil, {}) end
redis.call('HSET', K_NUM, 'status', ARGV[3])
return finish('ok', nil, {})
