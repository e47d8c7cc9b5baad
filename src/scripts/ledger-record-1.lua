-- ledger-record: records in dtpyfw's ZSET ledger entries this library handles by a path other than
-- a fresh read (a retry, a reclaim from a dead consumer, a recovery, a replayed dead letter), one
-- call per page or batch. dtpyfw skips an entry whose id its ledger holds, so once recorded, a
-- dtpyfw process of the group never handles the entry again after the group is moved back.
-- Unlike ledger-reserve, an id already held is not a reason to skip: a member means "handling
-- started" (dtpyfw writes it before its handlers run), and an entry taken over from the pending
-- list was not finished.
--
-- KEYS[1] the ledger: stream:<channel>:group:<group>:processed (this script touches nothing else,
--         since the ledger lives in another cluster slot than the channel unless it has a hash tag)
-- ARGV    the entry ids (of the channel: a replayed entry's original id)
--
-- Returns how many ids were not in the ledger yet.
-- The score is the server's clock in ms; a member already held keeps the higher of its score and
-- now (GT), so the ledger remembers the entry for the dedup window from its last handling.

local now = rs_int(rs_now_ms())
local added = 0
for i = 1, #ARGV do
  added = added + redis.call('ZADD', KEYS[1], 'GT', now, ARGV[i])
end
return added
