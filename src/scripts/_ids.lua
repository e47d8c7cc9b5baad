-- Shared prelude, prepended to every script by src/scripts/index.ts.
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

-- Whether a group (its XINFO GROUPS record, as a table) is live: one of its consumers interacted
-- with the server within stale_ms, or, with no consumer at all, its last delivery is that recent.
-- Stale groups stop holding retention back (retention.lua) and are reported (group-stats.lua).
local function rs_group_live(stream, g, now, stale_ms)
  local consumers = redis.call('XINFO', 'CONSUMERS', stream, g['name'])
  if #consumers == 0 then
    local ms = rs_split(g['last-delivered-id'])
    return now - tonumber(ms) < stale_ms
  end
  for _, c in ipairs(consumers) do
    if tonumber(rs_pairs(c)['idle']) < stale_ms then return true end
  end
  return false
end

-- The dedup guard's step: raises the high-water mark at `key` to `delivered` when that is higher,
-- keeping it for `ttl` ms. Returns the previous mark, or '' when there was none.
local function rs_advance_hwm(key, delivered, ttl)
  local previous = redis.call('GET', key)
  if (not previous) or rs_cmp(delivered, previous) > 0 then
    redis.call('SET', key, delivered, 'PX', ttl)
  else
    redis.call('PEXPIRE', key, ttl)
  end
  return previous or ''
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
