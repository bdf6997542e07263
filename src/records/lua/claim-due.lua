-- Claims up to ARGV[3] webhook events that are due (score <= now) by pushing their due time to
-- now + lease, so no other worker takes them while they are being delivered; an event whose worker
-- dies is due again when the lease ends (at-least-once delivery).
-- KEYS[1] due set; ARGV[1] now (ms); ARGV[2] lease (ms); ARGV[3] max count.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local leaseUntil = tonumber(ARGV[1]) + tonumber(ARGV[2])
for _, id in ipairs(ids) do
  redis.call('ZADD', KEYS[1], leaseUntil, id)
end
return ids
