-- reclaim: one page of the sweep over a group's whole pending list (a cursor, like XAUTOCLAIM's),
-- taking over entries that are due:
--   * an entry that failed here and waits for its retry is due at the time its failure record
--     says (the failure policy computed it, note-failure.lua stored it). The schedule lives in
--     Redis, so a restart keeps it;
--   * an entry of another consumer, or one that never failed, is due after claimIdleMs (and after
--     its retry time, if it failed): its consumer is presumed dead, since live consumers renew the
--     idle time of the entries they work on (lease-renew.lua).
-- XAUTOCLAIM takes one min-idle for all entries and does not report delivery counts, so the sweep
-- is XPENDING IDLE (which gives owner, idle time and delivery count) followed by XCLAIM, both in
-- this script so that nothing can change in between.
--
-- KEYS[1] the stream
-- KEYS[2] the group's failure records (entry id -> "<first failure ms> <retry due ms>")
-- ARGV[1] group         ARGV[2] this consumer      ARGV[3] claimIdleMs
-- ARGV[4] the least idle time of any due entry (ms)  ARGV[5] cursor: exclusive start id, or '-'
-- ARGV[6] page size   ARGV[7..] ids this consumer is working on (in flight or failing): never claimed,
-- so a retry that runs longer than the sweep interval is not claimed again under its handler (each
-- claim raises the delivery count, which is the attempt number)
--
-- Returns { next cursor or '0-0' when the list has been scanned to its end,
--           { { id, fields, deliveries before this claim, idle ms before it, previous owner }, ... },
--           { ids whose stream entry was deleted or trimmed: removed from the pending list } }

local group, me = ARGV[1], ARGV[2]
local claim_idle = tonumber(ARGV[3])
local count = tonumber(ARGV[6])
local start = ARGV[5] == '-' and '-' or '(' .. ARGV[5]
local now = rs_now_ms()
local busy = {}
for i = 7, #ARGV do busy[ARGV[i]] = true end

local pending = redis.call('XPENDING', KEYS[1], group, 'IDLE', tonumber(ARGV[4]), start, '+', count)
local due, meta = {}, {}
for _, p in ipairs(pending) do
  local id, owner, idle, deliveries = p[1], p[2], tonumber(p[3]), tonumber(p[4])
  local record = redis.call('HGET', KEYS[2], id)
  local ready
  if busy[id] then
    ready = false
  elseif record then
    local retry_at = tonumber(string.match(record, ' (%d+)$')) or 0
    ready = now >= retry_at and (owner == me or idle >= claim_idle)
  else
    ready = idle >= claim_idle
  end
  if ready then
    due[#due + 1] = id
    meta[id] = { deliveries, idle, owner }
  end
end

local next_cursor = '0-0'
if #pending == count then next_cursor = pending[#pending][1] end

local entries, deleted = {}, {}
if #due > 0 then
  local args = { 'XCLAIM', KEYS[1], group, me, 0 }
  for _, id in ipairs(due) do args[#args + 1] = id end
  local claimed = redis.call(unpack(args))
  local seen = {}
  for _, e in ipairs(claimed) do
    if e and e[2] then
      seen[e[1]] = true
      entries[#entries + 1] = { e[1], e[2], meta[e[1]][1], meta[e[1]][2], meta[e[1]][3] }
    end
  end
  for _, id in ipairs(due) do
    if not seen[id] then
      -- Redis 7 drops deleted entries from the pending list in XCLAIM; older servers keep them.
      redis.call('XACK', KEYS[1], group, id)
      redis.call('HDEL', KEYS[2], id)
      deleted[#deleted + 1] = id
    end
  end
end
return { next_cursor, entries, deleted }
