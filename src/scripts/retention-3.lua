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
-- Returns { removed read, removed unread (stale groups, dead consumers), removed unread by the cap,
--           { stale group names }, dead letters dropped by age }

local stream = KEYS[1]
local retention = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local stale_ms = tonumber(ARGV[3])
local now = rs_now_ms()

local dead_dropped = 0
if ARGV[4] ~= '' and redis.call('EXISTS', KEYS[3]) == 1 then
  dead_dropped = redis.call('XTRIM', KEYS[3], 'MINID', rs_int(math.max(0, now - tonumber(ARGV[4]))) .. '-0')
end

if redis.call('EXISTS', stream) == 0 then return { 0, 0, 0, {}, dead_dropped } end

local function min_id(a, b)
  if a == nil then return b end
  if b == nil then return a end
  return rs_cmp(a, b) <= 0 and a or b
end

local need_all, need_live = nil, nil
local stale = {}
local present = {}
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', stream)
if not ok then groups = {} end
for _, raw in ipairs(groups) do
  local g = rs_pairs(raw)
  present[g['name']] = true
  local consumers = redis.call('XINFO', 'CONSUMERS', stream, g['name'])
  need_all = min_id(need_all, rs_group_need(stream, g, consumers, stale_ms, true))
  if rs_group_live(g, consumers, rs_first_seen(KEYS[2], g['name'], now), now, stale_ms) then
    need_live = min_id(need_live, rs_group_need(stream, g, consumers, stale_ms, false))
  else
    stale[#stale + 1] = g['name']
  end
end
-- First-seen records of groups that no longer exist.
for _, name in ipairs(redis.call('HKEYS', KEYS[2])) do
  if not present[name] then redis.call('HDEL', KEYS[2], name) end
end

local cutoff = nil
if retention then cutoff = rs_int(math.max(0, now - retention)) .. '-0' end

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
