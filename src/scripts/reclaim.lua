-- reclaim: one page of the sweep over a group's whole pending list (a cursor, like XAUTOCLAIM's),
-- taking over entries that are due:
--   * an entry that failed here and waits for its retry is due after the backoff of its delivery
--     count (base * 2^(deliveries-1), capped, with a jitter derived from its id), measured on its
--     pending idle time. The schedule lives in Redis, so a restart keeps it;
--   * an entry of another consumer, or one that never failed, is due after claimIdleMs (and after
--     its backoff, if it failed): its consumer is presumed dead, since live consumers renew the
--     idle time of the entries they work on (lease-renew).
-- XAUTOCLAIM takes one min-idle for all entries and does not report delivery counts, so the sweep
-- is XPENDING IDLE (which gives owner, idle time and delivery count) followed by XCLAIM, both in
-- this script so that nothing can change in between.
--
-- KEYS[1] the stream
-- KEYS[2] the group's retry-metadata hash (entry id -> first failure ms; present = it failed)
-- ARGV[1] group         ARGV[2] this consumer      ARGV[3] claimIdleMs
-- ARGV[4] backoff base  ARGV[5] backoff max (ms)   ARGV[6] cursor: exclusive start id, or '-'
-- ARGV[7] page size
--
-- Returns { next cursor or '0-0' when the list has been scanned to its end,
--           { { id, fields, deliveries before this claim, idle ms before it, previous owner }, ... },
--           { ids whose stream entry was deleted or trimmed: removed from the pending list } }

local group, me = ARGV[1], ARGV[2]
local claim_idle, base, max = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local count = tonumber(ARGV[7])
local start = ARGV[6] == '-' and '-' or '(' .. ARGV[6]
local min_idle = math.min(claim_idle, math.floor(base / 2))

local function backoff(deliveries, id)
  local exp = math.min(max, base * 2 ^ math.max(0, deliveries - 1))
  local ms, seq = rs_split(id)
  local frac = ((tonumber(string.sub(ms, -3)) or 0) * 7 + (tonumber(string.sub(seq, -3)) or 0)) % 1000 / 1000
  return exp / 2 + frac * exp / 2
end

local pending = redis.call('XPENDING', KEYS[1], group, 'IDLE', min_idle, start, '+', count)
local due, meta = {}, {}
for _, p in ipairs(pending) do
  local id, owner, idle, deliveries = p[1], p[2], tonumber(p[3]), tonumber(p[4])
  local failed = redis.call('HEXISTS', KEYS[2], id) == 1
  local wait = failed and backoff(deliveries, id) or 0
  if owner ~= me or not failed then wait = math.max(wait, claim_idle) end
  if idle >= wait then
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
