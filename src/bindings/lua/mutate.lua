-- Changes one binding on X's slot. ARGV: 3 op, 4 binding id, then per op:
--   release                      release if its time has come (sweeper), or report the outbox copy
--   ack                          drop the outbox copy (onReleased was called)
--   started  5 guard (ms)        a call began: hold the binding up to now + guard
--   ended                        a call ended: release timer, or release if unbind was pending
--   unbind                       release now, or when the call in progress ends
--   update   5 ttl (ms) 6 b 7 call restriction 8 max call seconds   ('' = unchanged)
local op, id = ARGV[3], ARGV[4]
local released = {}

if op == 'ack' then
  redis.call('HDEL', K_GONE, id)
  return finish('ok', nil, released)
end

if op == 'release' then
  local b = load(id)
  if not b then
    local gone = redis.call('HGET', K_GONE, id)
    if gone then return finish('released', gone, released) end
    return finish('none', nil, released)
  end
  local at = releasable_at(b)
  if at > NOW then return finish('later', nil, released, tostring(at)) end
  return finish('released', release(b, at), released)
end

local b = live(id, released)
if not b then return finish('none', nil, released) end

if op == 'started' then
  b.activeCalls = (b.activeCalls or 0) + 1
  -- A call may not outlive its max duration (plus a minute of slack), else the default guard.
  local guard_ms = tonumber(ARGV[5])
  if b.maxCallSeconds then guard_ms = b.maxCallSeconds * 1000 + 60000 end
  local guard = NOW + guard_ms
  if not b.guardUntil or guard > b.guardUntil then b.guardUntil = guard end
  save(b)
  return finish('ok', cjson.encode(b), released)
end

if op == 'ended' then
  local n = (b.activeCalls or 0) - 1
  if n < 0 then n = 0 end
  b.activeCalls = n
  if n == 0 then
    b.guardUntil = nil
    if b.unbindPending then return finish('released', release(b, NOW), released) end
    -- The release timer: kept in Redis as the new expiry, so it survives restarts.
    b.expiresAt = NOW + b.releaseAfterCallSeconds * 1000
  end
  save(b)
  return finish('ok', cjson.encode(b), released)
end

if op == 'unbind' then
  if (b.activeCalls or 0) > 0 then
    -- The call stays up; no new call reaches anyone through this binding.
    b.unbindPending = true
    if b.expiresAt > NOW then b.expiresAt = NOW end
    save(b)
    return finish('pending', cjson.encode(b), released)
  end
  return finish('released', release(b, NOW), released)
end

if op == 'update' then
  if b.unbindPending then return finish('none', nil, released) end
  if ARGV[5] ~= '' then b.expiresAt = NOW + tonumber(ARGV[5]) end
  local old_b = b.b
  local new_b = ARGV[6]
  if new_b ~= '' and new_b ~= old_b then
    if b.mode == 'AXN' or new_b == b.a then return finish('invalid', nil, released) end
    if live(redis.call('HGET', K_P, new_b), released) then return finish('party', nil, released, new_b) end
    if cooling(new_b, b.a) then return finish('cooling', nil, released, new_b) end
    local old_pk = pair_key(b)
    if redis.call('HGET', K_P, old_b) == b.id then redis.call('HDEL', K_P, old_b) end
    -- The old B may still hold X in its call log: it cools down like a release.
    if COOL_MS > 0 then start_cool(old_b, b.a, NOW + COOL_MS) end
    if redis.call('HGET', K_PAIR, old_pk) == b.id then redis.call('HDEL', K_PAIR, old_pk) end
    b.b = new_b
    redis.call('HSET', K_P, new_b, b.id)
    redis.call('HSET', K_PAIR, pair_key(b), b.id)
  else
    old_b = nil
  end
  if ARGV[7] ~= '' then b.callRestriction = ARGV[7] end
  if ARGV[8] ~= '' then b.maxCallSeconds = tonumber(ARGV[8]) end
  save(b)
  return finish('ok', cjson.encode(b), released, old_b)
end

return redis.error_reply('unknown op ' .. tostring(op))
