-- take-guard-read: take-guard with the XREADGROUP inside the script. Used for the read that follows
-- a wait on an idle stream, where batches are small: one command instead of a MULTI/EXEC of four,
-- with the same atomicity (a script runs alone). Busy streams use XREADGROUP + take-guard in
-- MULTI/EXEC instead, because converting a large batch to Lua and back costs more than it saves.
--
-- KEYS[1] the stream
-- KEYS[2] the group's high-water-mark key
-- ARGV[1] group    ARGV[2] the dedup window in ms    ARGV[3] 'hwm' or 'info' (see take-guard)
-- ARGV[4] consumer ARGV[5] COUNT                     ARGV[6] '1' to read with NOACK
--
-- Returns { previous high-water mark or '', last-delivered-id, { entries as XREADGROUP gives them } }.
-- A missing group raises NOGROUP, as XREADGROUP does.

local read = { 'XREADGROUP', 'GROUP', ARGV[1], ARGV[4], 'COUNT', ARGV[5] }
if ARGV[6] == '1' then read[#read + 1] = 'NOACK' end
read[#read + 1] = 'STREAMS'
read[#read + 1] = KEYS[1]
read[#read + 1] = '>'
local reply = redis.call(unpack(read))
local entries = {}
if reply and reply[1] then entries = reply[1][2] end

-- A read of '>' moves the group's last-delivered-id to the last entry it returned; only an empty
-- read needs to ask XINFO.
local delivered
if #entries > 0 then
  delivered = entries[#entries][1]
else
  local group = rs_group(KEYS[1], ARGV[1])
  if not group then return { '', '', entries } end
  delivered = group['last-delivered-id']
end
if ARGV[3] ~= 'hwm' then return { '', delivered, entries } end
return { rs_advance_hwm(KEYS[2], delivered, ARGV[2]), delivered, entries }
