-- ledger-trim: removes ledger members older than the dedup window, by the server's clock.
--
-- KEYS[1] the ledger ZSET
-- ARGV[1] the dedup window in ms
--
-- Returns { members removed, the cutoff in ms }.

local cutoff = rs_now_ms() - tonumber(ARGV[1])
local removed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. rs_int(cutoff))
return { removed, cutoff }
