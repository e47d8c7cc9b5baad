-- take-guard: runs inside MULTI/EXEC right after `XREADGROUP ... STREAMS <stream> >`, so that it
-- sees the group exactly as that read left it.
--
-- KEYS[1] the stream
-- KEYS[2] the group's high-water-mark key (the O(1) dedup guard)
-- ARGV[1] the group name
-- ARGV[2] the dedup window in ms (the guard key's TTL)
-- ARGV[3] 'hwm' to advance the guard, 'info' to only report
--
-- Returns { previous high-water mark or '', the group's last-delivered-id or '' }.
--
-- Atomically: the group's last-delivered-id becomes the new high-water mark when it is higher.
-- A group hands out ids in increasing order, so an entry of the batch just read whose id is not
-- above the previous mark was handed out before: the group was deleted and re-created, or moved
-- back with SETID. The caller skips those. Because the read and this script run in one
-- transaction, two consumers of the group can never interleave between them.

local group = rs_group(KEYS[1], ARGV[1])
if not group then return { '', '' } end
local delivered = group['last-delivered-id']
if ARGV[3] ~= 'hwm' then return { '', delivered } end
return { rs_advance_hwm(KEYS[2], delivered, ARGV[2]), delivered }
