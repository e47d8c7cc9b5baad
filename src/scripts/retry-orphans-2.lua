-- retry-orphans: removes failure records whose entry is no longer pending in the group: its group
-- was destroyed (and maybe re-created), which drops the pending list, or the entry was acknowledged
-- by a process that knows nothing of the records. Such a record would stay forever: the sweep
-- retries only what the pending list holds. One page of the records per call (HSCAN), so a large
-- hash never blocks Redis for long; the caller repeats until the cursor is '0'.
--
-- KEYS[1] the stream the records are for (the channel, or the group's replay stream)
-- KEYS[2] the group's failure records for it (entry id -> "<first failure ms> <retry due ms>")
-- ARGV[1] group    ARGV[2] HSCAN cursor ('0' to start)    ARGV[3] records per page
--
-- Returns { the next cursor ('0': done), records removed }. When the group (or the stream) does not
-- exist, every record goes at once.
-- A record of an entry still pending is kept: every script that settles an entry (ack, dead-letter,
-- reclaim) removes its record in the same step, so a pending entry's record is never an orphan.

if redis.call('EXISTS', KEYS[2]) == 0 then return { '0', 0 } end
if not rs_group(KEYS[1], ARGV[1]) then
  local n = #redis.call('HKEYS', KEYS[2])
  redis.call('DEL', KEYS[2])
  return { '0', n }
end
local page = redis.call('HSCAN', KEYS[2], ARGV[2], 'COUNT', tonumber(ARGV[3]))
local removed = 0
local fields = page[2]
for i = 1, #fields, 2 do
  local id = fields[i]
  if #redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1) == 0 then
    redis.call('HDEL', KEYS[2], id)
    removed = removed + 1
  end
end
return { page[1], removed }
