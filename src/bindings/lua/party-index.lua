-- Second step after a change on X: one party's derived indexes, in one call on the party's slot.
-- KEYS: 1 used-X zset, 2 binding ids set, 3 pair hints, 4 pair lock.
-- ARGV: 1 binding id, 2 X, 3 used-X score ('' = leave, '-' = remove), 4 ids op ('add'|'rem'|''),
--       5 pair key ('' = no hint), 6 hint ttl (ms), 7 '1' = drop the pair lock, 8 now (ms).
if ARGV[3] == '-' then
  redis.call('ZREM', KEYS[1], ARGV[2])
elseif ARGV[3] ~= '' then
  -- Entries whose time has passed are dropped here, where entries are added (allocation only reads).
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[8]))
  redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[2])
end
if ARGV[4] == 'add' then
  redis.call('SADD', KEYS[2], ARGV[1])
elseif ARGV[4] == 'rem' then
  redis.call('SREM', KEYS[2], ARGV[1])
end
if ARGV[5] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[2])
  redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[6]))
end
if ARGV[7] == '1' then redis.call('DEL', KEYS[4]) end
return 1
