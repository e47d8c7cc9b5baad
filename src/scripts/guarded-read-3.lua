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
-- A missing group raises NOGROUP, as XREADGROUP does.

-- At-most-once (NOACK): the read cannot touch the pending list, so the guard can check after the
-- read instead of before it (no XINFO GROUPS, which cost most of this script: 45 -> about 20 µs).
-- A group moved back below its mark hands out entries at or below the mark first: those are
-- dropped here (counted as skipped), and when the whole batch was below the mark the group is
-- moved forward to it, as the guard's step before a read does.
if ARGV[5] == '1' then
  local mark = redis.call('GET', KEYS[2])
  local reply = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[3], 'COUNT', ARGV[4], 'NOACK', 'STREAMS', KEYS[1], '>')
  local entries = {}
  if reply and reply[1] then entries = reply[1][2] end
  local replays = redis.call('EXISTS', KEYS[3])
  if #entries == 0 then
    -- Nothing above the group's position (a wait that timed out): the loop waits after it next.
    local g = rs_group(KEYS[1], ARGV[1])
    return { '', '', 0, g and g['last-delivered-id'] or '', 0, replays, entries }
  end
  local delivered = entries[#entries][1]
  local from, skipped = '', 0
  if mark and rs_cmp(entries[1][1], mark) <= 0 then
    local mark_ms = rs_split(mark)
    if tonumber(mark_ms) < rs_now_ms() - tonumber(ARGV[2]) then
      redis.call('DEL', KEYS[2]) -- older than the window: it guards nothing any more
      mark = nil
    else
      from = entries[1][1]
      local kept = {}
      for _, e in ipairs(entries) do
        if rs_cmp(e[1], mark) > 0 then kept[#kept + 1] = e else skipped = skipped + 1 end
      end
      entries = kept
      if rs_cmp(delivered, mark) < 0 then
        redis.call('XGROUP', 'SETID', KEYS[1], ARGV[1], mark)
        skipped = skipped + #redis.call('XRANGE', KEYS[1], '(' .. delivered, mark, 'COUNT', 10000)
        delivered = mark
      end
    end
  end
  if (not mark) or rs_cmp(delivered, mark) > 0 then redis.call('SET', KEYS[2], delivered) end
  return { from, from == '' and '' or mark, skipped, delivered, 0, replays, entries }
end

local moved = rs_guard_before_read(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]))
local read = { 'XREADGROUP', 'GROUP', ARGV[1], ARGV[3], 'COUNT', ARGV[4] }
if ARGV[5] == '1' then read[#read + 1] = 'NOACK' end
read[#read + 1] = 'STREAMS'
read[#read + 1] = KEYS[1]
read[#read + 1] = '>'
local reply = redis.call(unpack(read))
local entries = {}
if reply and reply[1] then entries = reply[1][2] end
-- A read of '>' moves the group's last-delivered-id to the last entry it returned.
local delivered = nil
if #entries > 0 then delivered = entries[#entries][1] end
local after = rs_guard_after_read(KEYS[1], KEYS[2], KEYS[3], ARGV[1], delivered)
return { moved[1], moved[2], moved[3], after[1], after[2], after[3], entries }
