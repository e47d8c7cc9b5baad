-- guard-before-read: the dedup guard's step before a read, run inside MULTI/EXEC just before
-- `XREADGROUP ... STREAMS <stream> >` (see rs_guard_before_read in the prelude): a group moved back
-- below what it handed out is moved forward again, so the read cannot hand out anything twice.
--
-- KEYS[1] the stream
-- KEYS[2] the group's mark key ({channel}:guard:<group>)
-- ARGV[1] the group    ARGV[2] the dedup window in ms
--
-- Returns { the position the group was moved from, the mark, the entries skipped (counted up to
-- 10000) } when it moved it, else { '', '', 0 }.

return rs_guard_before_read(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]))
