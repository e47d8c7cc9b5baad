-- ack: acknowledges entries in one step together with their bookkeeping: the failure records of
-- entries that succeeded after a retry are forgotten, and entries of a replay stream are deleted
-- (the stream with them, once nothing is left in it).
--
-- KEYS[1] the stream the entries were read from (the channel, or the group's replay stream)
-- KEYS[2] the failure records of that stream for the group (entry id -> "<first ms> <due ms>")
-- ARGV[1] group    ARGV[2] '1' to delete the entries (a replay stream)    ARGV[3..] entry ids
--
-- Returns the number acknowledged.

local acked = 0
local from = 3
while from <= #ARGV do
  local ids = {}
  for i = from, math.min(from + 999, #ARGV) do ids[#ids + 1] = ARGV[i] end
  redis.call('HDEL', KEYS[2], unpack(ids))
  acked = acked + redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
  if ARGV[2] == '1' then redis.call('XDEL', KEYS[1], unpack(ids)) end
  from = from + 1000
end
if ARGV[2] == '1' and redis.call('XLEN', KEYS[1]) == 0 then
  local g = rs_group(KEYS[1], ARGV[1])
  if (not g) or tonumber(g['pending']) == 0 then redis.call('DEL', KEYS[1]) end
end
return acked
