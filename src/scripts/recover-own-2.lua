-- recover-own: after this consumer's connection was replaced, takes back at once the entries that
-- were delivered to it but never reached it (the reply of a read lost with the old connection).
-- Those are its pending entries that are neither in flight here nor waiting for a retry.
--
-- KEYS[1] the stream
-- KEYS[2] the group's failure records (entry id -> "<first failure ms> <retry due ms>")
-- ARGV[1] group    ARGV[2] this consumer    ARGV[3] cursor: exclusive start id, or '-'
-- ARGV[4] page size    ARGV[5..] ids in flight here (left alone)
--
-- Returns the same shape as reclaim-2.lua; the delivery counts are left as they were.

local group, me = ARGV[1], ARGV[2]
local count = tonumber(ARGV[4])
local start = ARGV[3] == '-' and '-' or '(' .. ARGV[3]
local busy = {}
for i = 5, #ARGV do busy[ARGV[i]] = true end

local pending = redis.call('XPENDING', KEYS[1], group, start, '+', count, me)
local due, meta = {}, {}
for _, p in ipairs(pending) do
  local id = p[1]
  if not busy[id] and redis.call('HEXISTS', KEYS[2], id) == 0 then
    due[#due + 1] = id
    meta[id] = { tonumber(p[4]), tonumber(p[3]), me }
  end
end

local next_cursor = '0-0'
if #pending == count then next_cursor = pending[#pending][1] end

local entries, deleted = {}, {}
if #due > 0 then
  -- JUSTID: the entry is already this consumer's; reset its idle time without counting a delivery
  -- (the delivery that was lost in transit is the one now being made good).
  local args = { 'XCLAIM', KEYS[1], group, me, 0 }
  for _, id in ipairs(due) do args[#args + 1] = id end
  args[#args + 1] = 'JUSTID'
  redis.call(unpack(args))
  for _, id in ipairs(due) do
    local found = redis.call('XRANGE', KEYS[1], id, id)
    if #found > 0 and found[1][2] then
      entries[#entries + 1] = { id, found[1][2], meta[id][1], meta[id][2], meta[id][3] }
    else
      redis.call('XACK', KEYS[1], group, id)
      deleted[#deleted + 1] = id
    end
  end
end
return { next_cursor, entries, deleted }
