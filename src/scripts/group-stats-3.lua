-- group-stats: what getStats reports about one group of a channel, in one round trip. It only
-- reads, so a read-only user (a monitor) may run it.
--
-- KEYS[1] the stream
-- KEYS[2] the channel's dead-letter stream
-- KEYS[3] the channel's first-seen times of groups ({channel}:groups)
-- ARGV[1] the group    ARGV[2] staleGroupMs
--
-- Returns { 1 if the group exists else 0, lag ('' when Redis cannot tell), pending count,
--           oldest pending id or '', consumers, dead letters, server time in ms,
--           { names of the channel's stale groups (see rs_group_live) } }

local now = rs_now_ms()
local stale_ms = tonumber(ARGV[2])
local dead = redis.call('XLEN', KEYS[2])
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
if not ok then groups = {} end
local mine
local stale = {}
for _, raw in ipairs(groups) do
  local g = rs_pairs(raw)
  if g['name'] == ARGV[1] then mine = g end
  local consumers = redis.call('XINFO', 'CONSUMERS', KEYS[1], g['name'])
  local first_seen = rs_first_seen_read(KEYS[3], g['name'], now)
  if not rs_group_live(g, consumers, first_seen, now, stale_ms) then stale[#stale + 1] = g['name'] end
end
if not mine then return { 0, '', 0, '', 0, dead, now, stale } end
local oldest = ''
if tonumber(mine['pending']) > 0 then oldest = redis.call('XPENDING', KEYS[1], ARGV[1])[2] end
local lag = ''
if mine['lag'] then lag = tostring(mine['lag']) end
return { 1, lag, tonumber(mine['pending']), oldest, tonumber(mine['consumers']), dead, now, stale }
