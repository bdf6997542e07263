-- Claims X for a new binding, atomically: every uniqueness rule is checked here, on X's slot.
-- ARGV: 3 max live bindings per X (0 = no cap), 4 pair key, 5 new binding JSON, 6 ttl (ms),
--       7 strict area code ('' = any), 8 tenant, 9 group, then the JSON's fields the rules need,
--       so the JSON is stored as given instead of decoded and encoded again (optional: without
--       them the JSON is decoded): 10 binding id, 11 mode, 12 a, 13 b ('' = none), 14 expiresAt.
-- Reply (lib.lua finish): on 'created' the JSON is left out (the caller sent it) and busy-until is
-- this binding's release plus cool-down, a lower bound the caller raises X's busy hint to.
local max_per_x = tonumber(ARGV[3])
local pk = ARGV[4]
local json = ARGV[5]
local ttl_ms = tonumber(ARGV[6])
local strict_area = ARGV[7]
local nb
if ARGV[10] then
  nb = { id = ARGV[10], mode = ARGV[11], a = ARGV[12], expiresAt = tonumber(ARGV[14]) }
  if ARGV[13] ~= '' then nb.b = ARGV[13] end
else
  nb = cjson.decode(json)
end
local released = {}

-- The same live (tenant, mode, a, b) on X: hand it back with its expiry extended.
local existing = live(redis.call('HGET', K_PAIR, pk), released)
if existing and not existing.unbindPending then
  local want = NOW + ttl_ms
  if want > existing.expiresAt then
    existing.expiresAt = want
    save(existing)
  end
  return finish('existing', cjson.encode(existing), released)
end

local num = redis.call('HMGET', K_NUM, 'tenant', 'group', 'areaCode', 'status')
if not num[1] then return finish('nonum', nil, released) end
if num[1] ~= ARGV[8] or num[2] ~= ARGV[9] then return finish('wrongpool', nil, released) end
if num[4] ~= 'active' then return finish('disabled', nil, released) end
if strict_area ~= '' and num[3] ~= strict_area then return finish('area', nil, released) end

local reg = registered(nb)
if nb.mode == 'AXN' then
  -- X exclusive to A: no other binding on X (expired ones are released first), and nobody
  -- cooling down on X towards someone else.
  if redis.call('ZCARD', K_EXP) > 0 then
    expire_due(16, released)
    if redis.call('ZCARD', K_EXP) > 0 then return finish('busy', nil, released) end
  end
  local cool = redis.call('ZRANGEBYSCORE', K_COOL, '(' .. NOW, '+inf')
  for _, party in ipairs(cool) do
    if party ~= nb.a and redis.call('HGET', K_COOLPEER, party) ~= nb.a then return finish('cooling', nil, released) end
  end
else
  -- Who holds X for '*' (AXN) and for each party, and their cool-downs: one read each. Expired
  -- holders are released on the way (live), before the cool-downs are read, since a release starts one.
  local fields = { '*' }
  for i, r in ipairs(reg) do fields[i + 1] = r[1] end
  local ids = redis.call('HMGET', K_P, unpack(fields))
  if live(ids[1], released) then return finish('exclusive', nil, released) end
  local holders = {}
  for i = 1, #reg do holders[i] = live(ids[i + 1], released) end
  local cool = redis.call('ZMSCORE', K_COOL, unpack(fields))
  -- After an AXN binding anyone may hold X in a call log: nobody new until that cool-down ends.
  if cooling_at('*', '', cool[1]) then return finish('cooling', nil, released) end
  for i, r in ipairs(reg) do
    if holders[i] then return finish('party', nil, released, r[1]) end
    if cooling_at(r[1], r[2], cool[i + 1]) then return finish('cooling', nil, released, r[1]) end
  end
end

if max_per_x > 0 and tonumber(redis.call('HGET', K_NUM, 'live') or '0') >= max_per_x then
  -- Full unless some of its bindings have expired: release those (lazily) and count again.
  expire_due(16, released)
  if tonumber(redis.call('HGET', K_NUM, 'live') or '0') >= max_per_x then return finish('full', nil, released) end
end

local kv = {}
for _, r in ipairs(reg) do
  kv[#kv + 1] = r[1]
  kv[#kv + 1] = nb.id
end
redis.call('HSET', K_P, unpack(kv))
redis.call('HSET', K_PAIR, pk, nb.id)
redis.call('HSET', K_B, nb.id, json)
redis.call('ZADD', K_EXP, nb.expiresAt, nb.id)
local n = redis.call('HINCRBY', K_NUM, 'live', 1)
return { 'created', false, released, nb.expiresAt + COOL_MS, num[3], n, num[1], num[2], false }
