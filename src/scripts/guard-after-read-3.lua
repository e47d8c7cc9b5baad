-- guard-after-read: the dedup guard's step after a read, run inside MULTI/EXEC right after
-- `XREADGROUP ... STREAMS <stream> >`, so that it sees the group exactly as that read left it: the
-- mark is raised to the group's last-delivered-id. Because the read and this script run in one
-- transaction, no other client can move the group between them.
--
-- KEYS[1] the stream
-- KEYS[2] the group's mark key ({channel}:guard:<group>)
-- KEYS[3] the group's replay stream ({channel}:replay:<group>)
-- ARGV[1] the group
--
-- Returns { the group's last-delivered-id or '' (no such group), its pending count,
--           1 when dead letters replayed to the group wait in its replay stream, else 0 }.

return rs_guard_after_read(KEYS[1], KEYS[2], KEYS[3], ARGV[1], nil)
