-- A sweeper takes over a callback whose lease lapsed (its process died): compare-and-set on the
-- state the sweeper read, so of several sweepers exactly one writes the final state, and never
-- over a change the running process made meanwhile. Also frees the tenant's limit slot.
-- KEYS[1] state (JSON), KEYS[2] the tenant's active set; both in the tenant's slot.
-- ARGV[1] id, ARGV[2] now (ms), ARGV[3] the state JSON read ('' = no state),
-- ARGV[4] final state JSON ('' = write nothing, only free the slot), ARGV[5] TTL (s).
-- Returns 'alive' (lease renewed), 'changed' (state moved on), 'claimed' or 'dropped'.
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if score and tonumber(score) > tonumber(ARGV[2]) then return 'alive' end
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[3] then return 'changed' end
redis.call('ZREM', KEYS[2], ARGV[1])
if ARGV[4] == '' then return 'dropped' end
redis.call('SET', KEYS[1], ARGV[4], 'EX', ARGV[5])
return 'claimed'
