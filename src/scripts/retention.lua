-- retention: trims a channel by age (and optionally by length) without removing entries that a
-- live consumer group has not read or not acknowledged yet.
--
-- KEYS[1] the stream
-- ARGV[1] retention in ms ('' for none)
-- ARGV[2] hard cap on the length ('' for none): entries beyond it go even when unread
-- ARGV[3] a group whose consumers have all been idle longer than this many ms (or that has none and
--         whose last delivery is that old) is stale: it no longer holds retention back
--
-- A group needs every entry from its oldest pending id (or, with nothing pending, every entry after
-- its last-delivered-id). Steps, by the server's clock, all exact (not ~) so the counts are true:
--   1. MINID min(age cutoff, what any group needs)       -> removed, read by every group
--   2. MINID min(age cutoff, what any live group needs)  -> removed, unread by a stale group
--   3. when longer than the cap: MINID (what any group needs), then MAXLEN cap
--                                                          -> the last one removed unread entries
-- Returns { removed read, removed unread by stale groups, removed unread by the cap,
--           { stale group names } }

local stream = KEYS[1]
local retention = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local stale_ms = tonumber(ARGV[3])
local now = rs_now_ms()

if redis.call('EXISTS', stream) == 0 then return { 0, 0, 0, {} } end

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
  local name = g['name']
  local need
  if tonumber(g['pending']) > 0 then
    need = redis.call('XPENDING', stream, name)[2]
  else
    need = rs_successor(g['last-delivered-id'])
  end
  need_all = min_id(need_all, need)
  if rs_group_live(stream, g, now, stale_ms) then need_live = min_id(need_live, need) else stale[#stale + 1] = name end
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
return { removed_read, removed_stale, removed_cap, stale }
