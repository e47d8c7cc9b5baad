-- recover-own: after this consumer's connection was replaced, takes back at once the entries that
-- were delivered to it but never reached it (the reply of a read lost with the old connection).
-- Those are its pending entries that are neither in flight here nor waiting for a retry.
--
-- KEYS[1] the stream
-- KEYS[2] the group's retry-metadata hash (entry id -> first failure ms)
-- ARGV[1] group    ARGV[2] this consumer    ARGV[3] cursor: exclusive start id, or '-'
-- ARGV[4] page size    ARGV[5..] ids in flight here (left alone)
--
-- Returns the same shape as reclaim.lua.

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
      redis.call('XACK', KEYS[1], group, id)
      deleted[#deleted + 1] = id
    end
  end
end
return { next_cursor, entries, deleted }
