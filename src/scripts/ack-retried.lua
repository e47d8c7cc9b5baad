-- ack-retried: acknowledges entries that succeeded after a retry and forgets their failure record,
-- in one step.
--
-- KEYS[1] the stream
-- KEYS[2] the group's retry-metadata hash
-- ARGV[1] group    ARGV[2..] entry ids
--
-- Returns the number acknowledged.

local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
if #ids == 0 then return 0 end
redis.call('HDEL', KEYS[2], unpack(ids))
return redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
