-- Removes X from the pool, refused while bindings on X are live.
local released = {}
expire_due(1000, released)
if redis.call('EXISTS', K_NUM) == 0 then return finish('nonum', nil, released) end
if redis.call('ZCARD', K_EXP) > 0 then return finish('inuse', nil, released) end
local reply = finish('removed', nil, released)
redis.call('DEL', K_NUM, K_P, K_B, K_EXP, K_PAIR)
-- Cool-downs outlive the number (it may come back): they vanish with their last entry.
local c = redis.call('ZREVRANGE', K_COOL, 0, 0, 'WITHSCORES')
if c[2] then
  redis.call('PEXPIREAT', K_COOL, math.floor(tonumber(c[2])))
  redis.call('PEXPIREAT', K_COOLPEER, math.floor(tonumber(c[2])))
end
return reply
