-- Second step: X's busy-until hint in its group and area (AXN looks for X free of everything).
-- KEYS: 1 group busy zset, 2 area busy zset. ARGV: 1 X, 2 busy-until (ms), 3 'GT' = only raise.
if ARGV[3] == 'GT' then
  redis.call('ZADD', KEYS[1], 'GT', tonumber(ARGV[2]), ARGV[1])
  redis.call('ZADD', KEYS[2], 'GT', tonumber(ARGV[2]), ARGV[1])
else
  redis.call('ZADD', KEYS[1], tonumber(ARGV[2]), ARGV[1])
  redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[1])
end
return 1
