-- inspect-channel: everything an operator wants to see of one channel, in one round trip, reading
-- only (a monitor user may run it): the stream, its dead letters, and every group with its
-- consumers.
--
-- KEYS[1] the stream
-- KEYS[2] the channel's dead-letter stream
-- KEYS[3] the channel's first-seen times of groups ({channel}:groups)
-- ARGV[1] staleGroupMs
--
-- Returns { length, first entry id or '', last entry id or '', dead letters, server time in ms,
--           { { group, lag or '', pending, last-delivered-id, oldest pending id or '', 1 if live,
--               { { consumer, pending, idle ms }, ... } }, ... } }

local now = rs_now_ms()
local stale_ms = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[1]) == 0 then return { 0, '', '', redis.call('XLEN', KEYS[2]), now, {} } end
local length = redis.call('XLEN', KEYS[1])
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local out = {}
for _, raw in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local g = rs_pairs(raw)
  local consumers = redis.call('XINFO', 'CONSUMERS', KEYS[1], g['name'])
  local live = rs_group_live(g, consumers, rs_first_seen_read(KEYS[3], g['name'], now), now, stale_ms)
  local oldest = ''
  if tonumber(g['pending']) > 0 then oldest = redis.call('XPENDING', KEYS[1], g['name'])[2] end
  local list = {}
  for _, c in ipairs(consumers) do
    local m = rs_pairs(c)
    list[#list + 1] = { m['name'], tonumber(m['pending']), tonumber(m['idle']) }
  end
  local lag = ''
  if g['lag'] then lag = tostring(g['lag']) end
  out[#out + 1] = { g['name'], lag, tonumber(g['pending']), g['last-delivered-id'], oldest, live and 1 or 0, list }
end
return {
  length,
  first[1] and first[1][1] or '',
  last[1] and last[1][1] or '',
  redis.call('XLEN', KEYS[2]),
  now,
  out,
}
