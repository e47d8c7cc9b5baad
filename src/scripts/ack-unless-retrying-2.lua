-- ack-unless-retrying: acknowledges entries that need no handling (dtpyfw's ledger says they were
-- handed out before), except those waiting for a retry: their failure record says they are not
-- done, so they stay pending and the sweep retries them.
--
-- KEYS[1] the stream
-- KEYS[2] the group's failure records (entry id -> "<first ms> <due ms>")
-- ARGV[1] group    ARGV[2..] entry ids
--
-- Returns the number acknowledged.

local ids = {}
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[2], ARGV[i]) == 0 then ids[#ids + 1] = ARGV[i] end
end
if #ids == 0 then return 0 end
return redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
