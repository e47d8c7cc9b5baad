-- note-failure: records that an entry failed in a group and when its retry is due. The record
-- stays until the entry succeeds or is dead-lettered; its presence tells the reclaim sweep that the
-- entry waits for a retry, and when.
--
-- KEYS[1] the stream
-- KEYS[2] the group's failure records (entry id -> "<first failure ms> <retry due ms>")
-- ARGV[1] group    ARGV[2] this consumer    ARGV[3] the entry id    ARGV[4] the retry delay in ms
--
-- An entry pending on another consumer was taken over: its fate is theirs, nothing is written
-- (returns false). An entry pending nowhere (its group was deleted and re-created, losing the
-- pending list) is put back in this consumer's pending list, so the retry is not lost.
-- Returns the first-failure time in ms (the server's clock).

local now = rs_now_ms()
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p > 0 and p[1][2] ~= ARGV[2] then return false end
if #p == 0 then
  if #redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3]) == 0 then return false end
  redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'FORCE', 'JUSTID')
end
local first = now
local record = redis.call('HGET', KEYS[2], ARGV[3])
if record then first = tonumber(string.match(record, '^%d+')) or now end
redis.call('HSET', KEYS[2], ARGV[3], rs_int(first) .. ' ' .. rs_int(now + tonumber(ARGV[4])))
return first
