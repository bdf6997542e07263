-- Claims X for a new binding, atomically: every uniqueness rule is checked here, on X's slot.
-- ARGV: 3 max live bindings per X (0 = no cap), 4 pair key, 5 new binding JSON, 6 ttl (ms),
--       7 strict area code ('' = any), 8 tenant, 9 group.
local max_per_x = tonumber(ARGV[3])
local pk = ARGV[4]
local nb = cjson.decode(ARGV[5])
local ttl_ms = tonumber(ARGV[6])
local strict_area = ARGV[7]
local released = {}
expire_due(16, released)
prune_cool()

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

if nb.mode == 'AXN' then
  -- X exclusive to A: no other binding on X, and nobody cooling down on X towards someone else.
  if redis.call('ZCARD', K_EXP) > 0 then return finish('busy', nil, released) end
  local cool = redis.call('ZRANGEBYSCORE', K_COOL, '(' .. NOW, '+inf')
  for _, party in ipairs(cool) do
    if party ~= nb.a and redis.call('HGET', K_COOLPEER, party) ~= nb.a then return finish('cooling', nil, released) end
  end
else
  if live(redis.call('HGET', K_P, '*'), released) then return finish('exclusive', nil, released) end
  -- After an AXN binding anyone may hold X in a call log: nobody new until that cool-down ends.
  if cooling('*', '') then return finish('cooling', nil, released) end
  for _, r in ipairs(registered(nb)) do
    if live(redis.call('HGET', K_P, r[1]), released) then return finish('party', nil, released, r[1]) end
    if cooling(r[1], r[2]) then return finish('cooling', nil, released, r[1]) end
  end
end

if max_per_x > 0 and tonumber(redis.call('HGET', K_NUM, 'live') or '0') >= max_per_x then
  return finish('full', nil, released)
end

for _, r in ipairs(registered(nb)) do redis.call('HSET', K_P, r[1], nb.id) end
redis.call('HSET', K_PAIR, pk, nb.id)
save(nb)
redis.call('HINCRBY', K_NUM, 'live', 1)
return finish('created', cjson.encode(nb), released)
