-- ledger-reserve: dtpyfw's ZSET dedup ledger, one call per batch instead of one ZADD per entry.
--
-- KEYS[1] the ledger: stream:<channel>:group:<group>:processed
-- ARGV    the entry ids of the batch
--
-- Returns one integer per id: 1 when this call reserved it (ZADD NX added it), 0 when it was
-- already in the ledger (handed out before, so it is skipped).
-- The score is the server's clock in ms, as dtpyfw's members carry (dtpyfw used its client clock).

local now = rs_int(rs_now_ms())
local out = {}
for i = 1, #ARGV do
  out[i] = redis.call('ZADD', KEYS[1], 'NX', now, ARGV[i])
end
return out
