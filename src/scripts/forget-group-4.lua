-- forget-group: cleans up after a group that no longer exists (XGROUP DESTROY, or its stream
-- deleted), in one atomic step that first checks it is still gone (not re-created meanwhile):
--   * its failure records go (counted): their entries were pending in the destroyed group, and its
--     pending list went with it, so nothing would ever retry them;
--   * its dedup mark stays while it is within the dedup window: it is what keeps a group re-created
--     with the same name from handing out again what the destroyed one handed out. Once older than
--     the window it guards nothing and goes;
--   * the group is forgotten in the channel's record of groups once no mark is left (until then,
--     maintenance comes back for the mark).
-- The group's replay stream is left alone: it holds dead letters replayed to the group and not yet
-- handled (data, read again by a group re-created with the same name).
--
-- KEYS[1] the stream
-- KEYS[2] the channel's first-seen times of groups ({channel}:groups)
-- KEYS[3] the group's failure records for the channel ({channel}:retries:<group>)
-- KEYS[4] the group's dedup mark ({channel}:guard:<group>)
-- ARGV[1] group    ARGV[2] the dedup window in ms
--
-- Returns { failure records removed, 1 when the group was forgotten (else 0) }; { 0, 0 } when the
-- group exists again.

if rs_group(KEYS[1], ARGV[1]) then return { 0, 0 } end
local removed = #redis.call('HKEYS', KEYS[3])
if removed > 0 then redis.call('DEL', KEYS[3]) end
local mark = redis.call('GET', KEYS[4])
if mark and not rs_mark_expired(KEYS[4], mark, tonumber(ARGV[2])) then return { removed, 0 } end
redis.call('HDEL', KEYS[2], ARGV[1])
return { removed, 1 }
