-- ledger-trim: removes ledger members older than the dedup window, by the server's clock, at most
-- ARGV[2] per call (the caller repeats), so a large backlog never blocks Redis for long.
--
-- KEYS[1] the ledger ZSET
-- ARGV[1] the dedup window in ms
-- ARGV[2] the most members to remove in this call
--
-- Returns { members removed, members older than the window still left, the cutoff in ms }.
-- The members below the cutoff are the lowest-ranked ones, so they go by rank.

local cutoff = rs_now_ms() - tonumber(ARGV[1])
local old = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. rs_int(cutoff))
local removing = math.min(old, tonumber(ARGV[2]))
if removing > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, removing - 1) end
return { removing, old - removing, cutoff }
