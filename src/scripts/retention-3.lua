-- retention: trims a channel by age (and optionally by length) without removing entries that a
-- live consumer group has not read or not acknowledged yet, and trims the channel's dead-letter
-- stream by age.
--
-- KEYS[1] the stream
-- KEYS[2] the channel's first-seen times of groups ({channel}:groups)
-- KEYS[3] the channel's dead-letter stream
-- ARGV[1] retention in ms ('' for none)
-- ARGV[2] hard cap on the length ('' for none): entries beyond it go even when unread
-- ARGV[3] staleGroupMs: a group is stale when it was created or first seen longer ago than this and
--         all its consumers have been idle longer (or it has none and its last delivery is that old)
-- ARGV[4] dead letters older than this many ms are dropped ('' for none)
-- ARGV[5] '1' for a dry run: nothing is written (no XTRIM, no first-seen record added); the reply
--         says what a real run would remove now. Absent or '' for a real run.
-- ARGV[6] dry run only: how many entries each count may read from each end of the stream (default
--         5000), so a dry run on a stream of millions stays cheap (see count_between)
--
-- A group needs every entry from its oldest pending id (or, with nothing pending, every entry after
-- its last-delivered-id). A live group's entries pending on a consumer idle longer than
-- staleGroupMs (a killed process nobody reclaims from) hold nothing back either. Steps, by the
-- server's clock, all exact (not ~) so the counts are true:
--   1. MINID min(age cutoff, what any group needs, all pending) -> removed, read by every group
--   2. MINID min(age cutoff, what live groups need, live pending) -> removed, unread by a stale group
--      or pending on a dead consumer
--   3. when longer than the cap: MINID (what any group needs), then MAXLEN cap
--                                                          -> the last one removed unread entries
-- The first-seen records of groups that no longer exist are left to forget-group-4.lua, which
-- cleans up after such a group (its failure records, then its mark) before forgetting it.
-- Returns { removed read, removed unread (stale groups, dead consumers), removed unread by the cap,
--           { stale group names }, dead letters dropped by age }
-- In a dry run the same shape holds what would be removed. A count that could not be made within
-- ARGV[6] entries is negative: -(n + 1) means "at least n" (n may be 0).

local stream = KEYS[1]
local retention = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local stale_ms = tonumber(ARGV[3])
local dry = ARGV[5] == '1'
local limit = tonumber(ARGV[6] or '') or 5000
local now = rs_now_ms()

-- Dry run: how many entries of `key` an XRANGE (or XREVRANGE) from `a` to `b` gives, reading pages
-- of at most 100 entries and stopping once above `limit` (remembered: a later count that needs the
-- same walk does not read again).
local walked = {}
local function count_walk(cmd, key, a, b)
  local memo = cmd .. ' ' .. key .. ' ' .. a .. ' ' .. b
  if walked[memo] then return walked[memo] end
  local n, from = 0, a
  while n <= limit do
    local want = math.min(100, limit + 1 - n)
    local page = redis.call(cmd, key, from, b, 'COUNT', want)
    n = n + #page
    if #page < want then break end
    from = '(' .. page[#page][1]
  end
  walked[memo] = n
  return n
end

-- Dry run: entries of `key` (of length `len`) in [lo, hi) (lo nil: from the start), as a reply
-- count: exact, or -(n + 1) for "at least n". Counted directly from `lo`, or else as a difference
-- of counts from the end of the stream, each walk reading at most `limit` + 1 entries, so the cost
-- is bounded whatever the stream's length: exact when few entries go, or when few stay.
local function count_between(key, lo, hi, len)
  if hi == nil or hi == '0-0' or (lo ~= nil and rs_cmp(hi, lo) <= 0) then return 0 end
  local direct = count_walk('XRANGE', key, lo or '-', '(' .. hi)
  if direct <= limit then return direct end
  local from_hi = count_walk('XREVRANGE', key, '+', hi)
  if from_hi > limit then return -(limit + 2) end
  if lo == nil then return len - from_hi end
  local from_lo = count_walk('XREVRANGE', key, '+', lo)
  if from_lo <= limit then return from_lo - from_hi end
  return -(limit + 2)
end

local dead_dropped = 0
if ARGV[4] ~= '' and redis.call('EXISTS', KEYS[3]) == 1 then
  local dead_cutoff = rs_int(math.max(0, now - tonumber(ARGV[4]))) .. '-0'
  if dry then
    dead_dropped = count_between(KEYS[3], nil, dead_cutoff, redis.call('XLEN', KEYS[3]))
  else
    dead_dropped = redis.call('XTRIM', KEYS[3], 'MINID', dead_cutoff)
  end
end

if redis.call('EXISTS', stream) == 0 then return { 0, 0, 0, {}, dead_dropped } end

local function min_id(a, b)
  if a == nil then return b end
  if b == nil then return a end
  return rs_cmp(a, b) <= 0 and a or b
end

local need_all, need_live = nil, nil
local stale = {}
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', stream)
if not ok then groups = {} end
for _, raw in ipairs(groups) do
  local g = rs_pairs(raw)
  local consumers = redis.call('XINFO', 'CONSUMERS', stream, g['name'])
  need_all = min_id(need_all, rs_group_need(stream, g, consumers, stale_ms, true))
  local seen = dry and rs_first_seen_read(KEYS[2], g['name'], now) or rs_first_seen(KEYS[2], g['name'], now)
  if rs_group_live(g, consumers, seen, now, stale_ms) then
    need_live = min_id(need_live, rs_group_need(stream, g, consumers, stale_ms, false))
  else
    stale[#stale + 1] = g['name']
  end
end
local cutoff = nil
if retention then cutoff = rs_int(math.max(0, now - retention)) .. '-0' end

-- A dry run walks the same steps, counting instead of trimming: everything below `floor` counts
-- as removed, `left` is what would remain (nil once a count is unknown).
if dry then
  local len = redis.call('XLEN', stream)
  local left, floor = len, nil
  local function take(hi)
    local n = count_between(stream, floor, hi, len)
    if hi ~= nil and (floor == nil or rs_cmp(hi, floor) > 0) then floor = hi end
    if n >= 0 and left ~= nil then left = left - n else left = nil end
    return n
  end
  local function add(a, b)
    if a >= 0 and b >= 0 then return a + b end
    return -((a >= 0 and a or -a - 1) + (b >= 0 and b or -b - 1) + 1)
  end
  local removed_read, removed_stale, removed_cap = 0, 0, 0
  if cutoff then
    local first = min_id(cutoff, need_all)
    removed_read = take(first)
    local second = min_id(cutoff, need_live)
    if second ~= first then removed_stale = take(second) end
  end
  if cap and (left == nil or left > cap) then
    if need_all then removed_read = add(removed_read, take(need_all)) end
    if left == nil then removed_cap = -1 elseif left > cap then removed_cap = left - cap end
  end
  return { removed_read, removed_stale, removed_cap, stale, dead_dropped }
end

local removed_read, removed_stale, removed_cap = 0, 0, 0
if cutoff then
  local first = min_id(cutoff, need_all)
  removed_read = removed_read + redis.call('XTRIM', stream, 'MINID', first)
  local second = min_id(cutoff, need_live)
  if second ~= first then removed_stale = removed_stale + redis.call('XTRIM', stream, 'MINID', second) end
end
if cap and redis.call('XLEN', stream) > cap then
  if need_all then removed_read = removed_read + redis.call('XTRIM', stream, 'MINID', need_all) end
  if redis.call('XLEN', stream) > cap then
    -- Only the oldest go, as many as needed; each was unread by at least one group.
    removed_cap = redis.call('XTRIM', stream, 'MAXLEN', cap)
  end
end
return { removed_read, removed_stale, removed_cap, stale, dead_dropped }
