-- Shared prelude, prepended to every script by src/scripts/loader.ts.
-- Stream ids are "<ms>-<seq>" with 64-bit parts; Lua numbers are doubles, so ids are compared as
-- decimal strings (by length, then lexically) to stay exact.

local function rs_split(id)
  local dash = string.find(id, '-', 1, true)
  if not dash then return id, '0' end
  return string.sub(id, 1, dash - 1), string.sub(id, dash + 1)
end

local function rs_cmp_num(a, b)
  if #a ~= #b then return #a < #b and -1 or 1 end
  if a == b then return 0 end
  return a < b and -1 or 1
end

-- -1, 0 or 1 as id a is below, equal to or above id b.
local function rs_cmp(a, b)
  local am, as = rs_split(a)
  local bm, bs = rs_split(b)
  local c = rs_cmp_num(am, bm)
  if c ~= 0 then return c end
  return rs_cmp_num(as, bs)
end

-- The smallest id above `id` (decimal increment of the sequence, carrying into ms).
local function rs_successor(id)
  local ms, seq = rs_split(id)
  local function inc(s)
    local i = #s
    local out = ''
    while i > 0 do
      local d = string.byte(s, i) - 48
      if d < 9 then return string.sub(s, 1, i - 1) .. string.char(d + 49) .. out end
      out = '0' .. out
      i = i - 1
    end
    return '1' .. out
  end
  if seq == '18446744073709551615' then return inc(ms) .. '-0' end
  return ms .. '-' .. inc(seq)
end

-- Server time in ms, as a number (exact below 2^53, true for centuries).
local function rs_now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A whole number as a decimal string (never in exponent form).
local function rs_int(n)
  return string.format('%d', n)
end

-- A flat [k1, v1, k2, v2, ...] reply as a table.
local function rs_pairs(flat)
  local m = {}
  for i = 1, #flat, 2 do m[flat[i]] = flat[i + 1] end
  return m
end

-- Groups' first-seen times: a hash in the channel's slot, group name -> server ms when this library
-- created the group or first saw it. A group is never stale before staleGroupMs after that.
-- Returns the first-seen time of group `name`, recording `now` when none is known.
local function rs_first_seen(seen_key, name, now)
  local at = redis.call('HGET', seen_key, name)
  if at then return tonumber(at) end
  redis.call('HSET', seen_key, name, rs_int(now))
  return now
end

-- The first-seen time of group `name`, or `now` when none is known yet, without writing (for
-- read-only scripts: stats, a monitor's inspection).
local function rs_first_seen_read(seen_key, name, now)
  local at = redis.call('HGET', seen_key, name)
  if at then return tonumber(at) end
  return now
end

-- Whether a group (its XINFO GROUPS record, as a table) is live: created or first seen within
-- stale_ms, or one of its consumers interacted with the server within stale_ms, or, with no
-- consumer at all, its last delivery is that recent. Stale groups stop holding retention back
-- (retention.lua) and are reported (group-stats.lua). `consumers` is its XINFO CONSUMERS reply.
local function rs_group_live(g, consumers, first_seen, now, stale_ms)
  if now - first_seen < stale_ms then return true end
  if #consumers == 0 then
    local ms = rs_split(g['last-delivered-id'])
    return now - tonumber(ms) < stale_ms
  end
  for _, c in ipairs(consumers) do
    if tonumber(rs_pairs(c)['idle']) < stale_ms then return true end
  end
  return false
end

-- What a group needs kept, as the lowest id it may still read: the oldest entry pending on a live
-- consumer (idle below stale_ms), or else the one after its last-delivered-id. Entries pending on
-- consumers idle longer (a killed process that nobody reclaims from) do not count, unless
-- `all_pending` is set. `consumers` is its XINFO CONSUMERS reply.
local function rs_group_need(stream, g, consumers, stale_ms, all_pending)
  local need = rs_successor(g['last-delivered-id'])
  if tonumber(g['pending']) == 0 then return need end
  if all_pending then
    local oldest = redis.call('XPENDING', stream, g['name'])[2]
    if rs_cmp(oldest, need) < 0 then return oldest end
    return need
  end
  for _, raw in ipairs(consumers) do
    local c = rs_pairs(raw)
    if tonumber(c['pending']) > 0 and tonumber(c['idle']) < stale_ms then
      local p = redis.call('XPENDING', stream, g['name'], '-', '+', 1, c['name'])
      if #p > 0 and rs_cmp(p[1][1], need) < 0 then need = p[1][1] end
    end
  end
  return need
end

-- The dedup guard's mark: the highest id a group has handed out. Kept without expiry (a key with a
-- TTL is the first one volatile-* eviction policies remove); the dedup window is judged by the
-- time in the mark's id instead. Raises the mark at `key` to `delivered` when that is higher.
local function rs_raise_mark(key, delivered)
  if delivered == '' or delivered == '0-0' then return end
  local mark = redis.call('GET', key)
  if (not mark) or rs_cmp(delivered, mark) > 0 then redis.call('SET', key, delivered) end
end

-- The XINFO GROUPS record of group `name`, or nil.
local function rs_group(stream, name)
  local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', stream)
  if not ok then return nil end
  for _, g in ipairs(groups) do
    local m = rs_pairs(g)
    if m['name'] == name then return m end
  end
  return nil
end

-- The guard's step before a read: when the group's position was moved back below the mark (XGROUP
-- SETID, or the group deleted and re-created), it is moved forward to the mark again, so that
-- nothing the group handed out within the dedup window is handed out twice. The pending list is
-- left as it is: entries in flight or waiting for a retry keep their owner and their schedule.
-- A mark older than the window guards nothing any more and is dropped.
-- Returns { the position it was at, the mark, how many entries that skips (counted up to 10000) }
-- when it moved the group, else { '', '', 0 }.
local function rs_guard_before_read(stream, mark_key, group, window_ms)
  local mark = redis.call('GET', mark_key)
  if not mark then return { '', '', 0 } end
  local g = rs_group(stream, group)
  if not g then return { '', '', 0 } end
  local at = g['last-delivered-id']
  if rs_cmp(at, mark) >= 0 then return { '', '', 0 } end
  local mark_ms = rs_split(mark)
  if tonumber(mark_ms) < rs_now_ms() - window_ms then
    redis.call('DEL', mark_key)
    return { '', '', 0 }
  end
  redis.call('XGROUP', 'SETID', stream, group, mark)
  local skipped = #redis.call('XRANGE', stream, '(' .. at, mark, 'COUNT', 10000)
  return { at, mark, skipped }
end

-- The guard's step after a read: raises the mark to the group's new position. Returns
-- { the group's last-delivered-id or '', its pending count, 1 when the group has replays waiting }.
local function rs_guard_after_read(stream, mark_key, replay_key, group, delivered)
  local g = rs_group(stream, group)
  if not g then return { '', 0, 0 } end
  if delivered == nil then delivered = g['last-delivered-id'] end
  rs_raise_mark(mark_key, delivered)
  return { delivered, tonumber(g['pending']), redis.call('EXISTS', replay_key) }
end
