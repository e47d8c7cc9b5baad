-- guarded-read: the guard's step before a read, the read (XREADGROUP), and the guard's step after
-- it, in one script. Used for the read sent behind a wait on an idle stream (`XREAD BLOCK`), where
-- batches are small: Redis runs it as soon as the wait ends. Busy streams use MULTI/EXEC around a
-- plain XREADGROUP instead (guard-before-read, XREADGROUP, guard-after-read), because converting a
-- large batch to Lua and back costs more than it saves.
--
-- KEYS[1] the stream
-- KEYS[2] the group's mark key ({channel}:guard:<group>)
-- KEYS[3] the group's replay stream ({channel}:replay:<group>)
-- ARGV[1] group    ARGV[2] the dedup window in ms    ARGV[3] consumer    ARGV[4] COUNT
-- ARGV[5] '1' to read with NOACK
--
-- Returns { moved from or '', moved to or '', entries skipped by the move, last-delivered-id,
--           pending count, replays waiting (0/1), { entries as XREADGROUP gives them } }.
-- A missing group raises NOGROUP, as XREADGROUP does. With NOACK (at-most-once) the guard checks
-- after the read (rs_guarded_read_noack in _prelude.lua); otherwise before and after it.

if ARGV[5] == '1' then
  return rs_guarded_read_noack(KEYS[1], KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4])
end

local moved = rs_guard_before_read(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]))
local reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[3], 'COUNT', ARGV[4], 'STREAMS', KEYS[1], '>')
local entries = {}
if reply and reply[1] then entries = reply[1][2] end
-- A read of '>' moves the group's last-delivered-id to the last entry it returned.
local delivered = nil
if #entries > 0 then delivered = entries[#entries][1] end
local after = rs_guard_after_read(KEYS[1], KEYS[2], KEYS[3], ARGV[1], delivered)
return { moved[1], moved[2], moved[3], after[1], after[2], after[3], entries }
