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

-- Whether the mark `mark` (at `mark_key`) is older than the dedup window: then it guards nothing any
-- more and is dropped.
local function rs_mark_expired(mark_key, mark, window_ms)
  local mark_ms = rs_split(mark) -- (its first value only: tonumber takes a base second)
  if tonumber(mark_ms) >= rs_now_ms() - window_ms then return false end
  redis.call('DEL', mark_key)
  return true
end

-- Moves `group` forward from `at` to `mark`; returns how many entries that skips (counted up to 10000).
local function rs_move_to_mark(stream, group, at, mark)
  redis.call('XGROUP', 'SETID', stream, group, mark)
  return #redis.call('XRANGE', stream, '(' .. at, mark, 'COUNT', 10000)
end

-- The guard's step before a read: when the group's position was moved back below the mark (XGROUP
-- SETID, or the group deleted and re-created), it is moved forward to the mark again, so that
-- nothing the group handed out within the dedup window is handed out twice. The pending list is
-- left as it is: entries in flight or waiting for a retry keep their owner and their schedule.
-- Returns { the position it was at, the mark, how many entries that skips } when it moved the
-- group, else { '', '', 0 }.
local function rs_guard_before_read(stream, mark_key, group, window_ms)
  local mark = redis.call('GET', mark_key)
  if not mark then return { '', '', 0 } end
  local g = rs_group(stream, group)
  if not g then return { '', '', 0 } end
  local at = g['last-delivered-id']
  if rs_cmp(at, mark) >= 0 or rs_mark_expired(mark_key, mark, window_ms) then return { '', '', 0 } end
  return { at, mark, rs_move_to_mark(stream, group, at, mark) }
end

-- The guard around a read with NOACK (at-most-once), which cannot touch the pending list, so the
-- guard checks after the read instead of before it (no XINFO GROUPS, which cost most of the time:
-- 45 -> about 20 µs). A group moved back below its mark hands out entries at or below the mark
-- first: those are dropped (counted as skipped), and when the whole batch was below the mark the
-- group is moved forward to it, as rs_guard_before_read does. Returns what guarded-read-3.lua does.
local function rs_guarded_read_noack(stream, mark_key, replay_key, group, window_ms, consumer, count)
  local mark = redis.call('GET', mark_key)
  local reply = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', count, 'NOACK', 'STREAMS', stream, '>')
  local entries = {}
  if reply and reply[1] then entries = reply[1][2] end
  local replays = redis.call('EXISTS', replay_key)
  if #entries == 0 then
    -- Nothing above the group's position (a wait that timed out): the loop waits after it next.
    local g = rs_group(stream, group)
    return { '', '', 0, g and g['last-delivered-id'] or '', 0, replays, entries }
  end
  local delivered = entries[#entries][1]
  local from, skipped = '', 0
  if mark and rs_cmp(entries[1][1], mark) <= 0 then
    if rs_mark_expired(mark_key, mark, window_ms) then
      mark = nil
    else
      from = entries[1][1]
      local kept = {}
      for _, e in ipairs(entries) do
        if rs_cmp(e[1], mark) > 0 then kept[#kept + 1] = e else skipped = skipped + 1 end
      end
      entries = kept
      if rs_cmp(delivered, mark) < 0 then
        skipped = skipped + rs_move_to_mark(stream, group, delivered, mark)
        delivered = mark
      end
    end
  end
  if (not mark) or rs_cmp(delivered, mark) > 0 then redis.call('SET', mark_key, delivered) end
  return { from, from == '' and '' or mark, skipped, delivered, 0, replays, entries }
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
