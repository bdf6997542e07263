-- Shared helpers of every per-X script (bind, lookup, mutate, ...): scripts.ts prepends the
-- preamble below and the functions a script calls (lua-compose.ts); callees come before callers.
-- KEYS are always the 8 keys of one privacy number X (keys.ts xKeyList), so a script touches ONE
-- slot: 1 num, 2 parties, 3 bindings, 4 expiry, 5 cool-down, 6 cool-down peers, 7 pairs, 8 outbox.
-- ARGV[1] = now (ms), ARGV[2] = cool-down (ms); script-specific arguments follow.
local K_NUM, K_P, K_B, K_EXP, K_COOL, K_COOLPEER, K_PAIR, K_GONE = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local NOW = tonumber(ARGV[1])
local COOL_MS = tonumber(ARGV[2])
local cool_pruned = false

local function pair_key(b)
  return b.tenant .. '|' .. b.mode .. '|' .. b.a .. '|' .. (b.b or '')
end

-- Parties a binding registers on X, each with the party it reaches:
-- AXB (A,X)->B and (B,X)->A; reverse (B,X)->A only; AXN (anyone,X)->A, written '*'.
local function registered(b)
  if b.mode == 'AXB' then return { { b.a, b.b }, { b.b, b.a } } end
  if b.mode == 'reverse' then return { { b.b, b.a } } end
  return { { '*', b.a } }
end

-- A call in progress holds the binding past its expiry, up to its call guard.
local function releasable_at(b)
  if (b.activeCalls or 0) > 0 and b.guardUntil and b.guardUntil > b.expiresAt then return b.guardUntil end
  return b.expiresAt
end

-- Ended cool-downs are dropped while new ones are added (once per script run), so the set stays
-- small without a prune on every allocation.
local function prune_cool()
  if cool_pruned then return end
  cool_pruned = true
  local old = redis.call('ZRANGEBYSCORE', K_COOL, '-inf', NOW, 'LIMIT', 0, 32)
  for _, party in ipairs(old) do
    redis.call('ZREM', K_COOL, party)
    redis.call('HDEL', K_COOLPEER, party)
  end
end

local function start_cool(party, peer, until_ms)
  prune_cool()
  local cur = redis.call('ZSCORE', K_COOL, party)
  if cur and tonumber(cur) >= until_ms then return end
  redis.call('ZADD', K_COOL, until_ms, party)
  redis.call('HSET', K_COOLPEER, party, peer)
end

-- Is `party`, whose cool-down on X ends at `score` (ms, or false), kept away from X, unless it
-- reached `peer` (the same pair again)?
local function cooling_at(party, peer, score)
  if not score or tonumber(score) <= NOW then return false end
  return redis.call('HGET', K_COOLPEER, party) ~= peer
end

local function cooling(party, peer)
  return cooling_at(party, peer, redis.call('ZSCORE', K_COOL, party))
end

local function load(id)
  local raw = redis.call('HGET', K_B, id)
  if not raw then return nil end
  return cjson.decode(raw)
end

local function save(b)
  redis.call('HSET', K_B, b.id, cjson.encode(b))
  redis.call('ZADD', K_EXP, releasable_at(b), b.id)
end

-- Frees X for the binding's parties at logical time `at`, starts their cool-downs, and parks the
-- released JSON in the outbox until the client has reported it (at-least-once onReleased).
local function release(b, at)
  for _, r in ipairs(registered(b)) do
    if redis.call('HGET', K_P, r[1]) == b.id then redis.call('HDEL', K_P, r[1]) end
    if COOL_MS > 0 then start_cool(r[1], r[2], at + COOL_MS) end
  end
  local pk = pair_key(b)
  if redis.call('HGET', K_PAIR, pk) == b.id then redis.call('HDEL', K_PAIR, pk) end
  redis.call('HDEL', K_B, b.id)
  redis.call('ZREM', K_EXP, b.id)
  if redis.call('EXISTS', K_NUM) == 1 then redis.call('HINCRBY', K_NUM, 'live', -1) end
  b.releasedAt = at
  local json = cjson.encode(b)
  redis.call('HSET', K_GONE, b.id, json)
  return json
end

-- Lazy expiry: release bindings whose time has come, whatever the sweeper is doing.
local function expire_due(limit, out)
  local ids = redis.call('ZRANGEBYSCORE', K_EXP, '-inf', NOW, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    local b = load(id)
    if b then out[#out + 1] = release(b, releasable_at(b)) else redis.call('ZREM', K_EXP, id) end
  end
end

-- The binding `id` if it is still live; a binding whose time has come is released on the way.
local function live(id, out)
  if not id then return nil end
  local b = load(id)
  if not b then return nil end
  local at = releasable_at(b)
  if at <= NOW then
    out[#out + 1] = release(b, at)
    return nil
  end
  return b
end

-- When X is free of every binding and cool-down (a hint for AXN candidates).
local function busy_until()
  local m = 0
  local e = redis.call('ZREVRANGE', K_EXP, 0, 0, 'WITHSCORES')
  if e[2] then m = tonumber(e[2]) + COOL_MS end
  local c = redis.call('ZREVRANGE', K_COOL, 0, 0, 'WITHSCORES')
  if c[2] and tonumber(c[2]) > m then m = tonumber(c[2]) end
  return m
end

-- Common reply: status, binding JSON, released JSONs, X busy-until, X's area, live count, tenant, group, aux.
local function finish(status, json, released, aux)
  local num = redis.call('HMGET', K_NUM, 'areaCode', 'live', 'tenant', 'group')
  return { status, json or false, released, busy_until(), num[1] or '', tonumber(num[2] or '0'), num[3] or false, num[4] or false, aux or false }
end
