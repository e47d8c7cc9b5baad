-- ack-retried: acknowledges entries that succeeded after a retry and forgets their failure record,
-- in one step.
--
-- KEYS[1] the stream
-- KEYS[2] the group's retry-metadata hash
-- ARGV[1] group    ARGV[2..] entry ids
--
-- Returns the number acknowledged.

local acked = 0
local from = 2
while from <= #ARGV do
  local ids = {}
  for i = from, math.min(from + 999, #ARGV) do ids[#ids + 1] = ARGV[i] end
  redis.call('HDEL', KEYS[2], unpack(ids))
  acked = acked + redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
  from = from + 1000
end
return acked
