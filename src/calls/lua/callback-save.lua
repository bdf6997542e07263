-- Writes the state of a callback from the process running it, unless the callback has already
-- ended (a sweeper finalised it after this process lost its lease: that final state stays).
-- A progress (non-final) write also needs the lease: without it the process has lost the
-- callback and must hang it up. A final write frees the tenant's limit slot.
-- KEYS[1] state (JSON), KEYS[2] the tenant's active set; both in the tenant's slot.
-- ARGV[1] id, ARGV[2] state JSON, ARGV[3] TTL (s), ARGV[4] '1' final, '' progress.
-- Returns 'saved', 'ended' (not written: already final) or 'lost' (not written: no lease).
local cur = redis.call('GET', KEYS[1])
if cur then
  local ok, s = pcall(cjson.decode, cur)
  if ok and type(s) == 'table' and (s.status == 'completed' or s.status == 'failed' or s.status == 'cancelled') then
    return 'ended'
  end
end
if ARGV[4] == '1' then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 'saved'
end
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 'lost' end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 'saved'
