-- publish-keyed: appends a batch of entries to one stream, each entry that carries an idempotency
-- key only if that key was not remembered within the window. Atomic: the check, the append and the
-- record of the key are one step, so two publishers racing with one key append one entry.
--
-- The keys of a channel are remembered in two generations of a hash from key to the id it appended,
-- each looked up and written once per batch. A record is valid while its id (which carries the
-- server time it was appended at) is younger than the publisher's window. The current generation's
-- field '' holds "<start ms>:<window ms>": when it started, and the longest window any publisher of
-- the channel gave (one publishing with a short window does not cut another's memory short). Once
-- the current generation is that window old, the previous one holds only records older than the
-- window: it is dropped (UNLINK frees a big hash off the main thread) and the current one becomes
-- the previous (RENAME, O(1)). So forgetting costs nothing per key, and a record lives between one
-- and two windows. Both hashes expire a window after they were last written, so a channel that goes
-- quiet leaves nothing behind.
--
-- KEYS[1] the stream
-- KEYS[2] the current generation: key -> id of the entry it appended ({channel}:idem)
-- KEYS[3] the previous generation ({channel}:idem:prev)
-- ARGV[1] the window in ms
-- ARGV[2] the field name the key is written under in the entry (rs-idempotency-key)
-- ARGV[3] the number of entries
-- ARGV[4] the number of keyed entries m, negated when two of them have the same key
-- ARGV[5 .. 4+m] their keys, in order
-- then, per entry, its number of field/value pairs n followed by the 2n field and value strings; a
-- keyed entry gives -n instead (its key is the next of the keys above)
--
-- Returns { { the id of each entry: the new one, or the one its key appended first },
--           { the 1-based positions of entries whose key was already there (not appended) } }

local window = tonumber(ARGV[1])
local key_field = ARGV[2]
local count = tonumber(ARGV[3])
local keyed = tonumber(ARGV[4])
local shared = keyed < 0 -- two entries of the batch have the same key: the second repeats the first
if shared then keyed = -keyed end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local oldest = now - window -- a record appended before this is forgotten

-- The current generation's start and window, then each key's record in it.
local found = redis.call('HMGET', KEYS[2], '', unpack(ARGV, 5, 4 + keyed))
local start, kept, described = now, 0, false
local s, w = string.match(found[1] or '', '^(%d+):(%d+)$')
if s then
  start, kept = tonumber(s), tonumber(w)
  described = window <= kept
  -- The server's clock stepped back: the generation starts now, or it would not change for that long.
  if start > now then start, described = now, false end
end
if window > kept then kept = window end

local has_previous = redis.call('EXISTS', KEYS[3]) == 1
local rotated = false
if now - start >= kept then
  if has_previous then redis.call('UNLINK', KEYS[3]) end
  redis.call('RENAME', KEYS[2], KEYS[3])
  redis.call('PEXPIRE', KEYS[3], kept)
  has_previous, rotated, described, start = true, true, false, now
end

-- found[k + 1]: the id the k-th key appended within the window, or false. After a rotation, the
-- previous generation is the one just looked up; otherwise the keys not found are looked up there.
local look_back = has_previous and not rotated
local missing, missed, m = {}, {}, 0
for k = 1, keyed do
  local id = found[k + 1]
  if id and tonumber(string.match(id, '^%d+')) < oldest then
    id = false
    found[k + 1] = false
  end
  if not id and look_back then
    m = m + 1
    missing[m] = ARGV[4 + k]
    missed[m] = k
  end
end
if m > 0 then
  local old = redis.call('HMGET', KEYS[3], unpack(missing, 1, m))
  for i = 1, m do
    local id = old[i]
    if id and tonumber(string.match(id, '^%d+')) >= oldest then found[missed[i] + 1] = id end
  end
end

-- (Tables are filled through counters: Lua 5.1's # is a search, measurable at 2000 records.)
local ids, repeated, records, fresh = {}, {}, {}, {}
local at, k, r = 5 + keyed, 0, 0
for e = 1, count do
  local n = tonumber(ARGV[at])
  local key, first_id = nil, nil
  if n < 0 then
    n = -n
    k = k + 1
    key = ARGV[4 + k]
    first_id = found[k + 1] or (shared and fresh[key])
  end
  if first_id then
    ids[e] = first_id
    repeated[#repeated + 1] = e
  else
    local s = at + 1
    if n == 2 and key then
      -- the usual keyed entry (name, body): no table to build
      ids[e] = redis.call('XADD', KEYS[1], '*', ARGV[s], ARGV[s + 1], ARGV[s + 2], ARGV[s + 3], key_field, key)
    elseif n == 2 then
      ids[e] = redis.call('XADD', KEYS[1], '*', ARGV[s], ARGV[s + 1], ARGV[s + 2], ARGV[s + 3])
    else
      local args = { 'XADD', KEYS[1], '*' }
      for j = s, s + n * 2 - 1 do args[#args + 1] = ARGV[j] end
      if key then
        args[#args + 1] = key_field
        args[#args + 1] = key
      end
      ids[e] = redis.call(unpack(args))
    end
    if key then
      if shared then fresh[key] = ids[e] end
      r = r + 2
      records[r - 1] = key
      records[r] = ids[e]
    end
  end
  at = at + 1 + n * 2
end

if not described then
  r = r + 2
  records[r - 1] = ''
  records[r] = start .. ':' .. kept
end
if r > 0 then redis.call('HSET', KEYS[2], unpack(records, 1, r)) end
redis.call('PEXPIRE', KEYS[2], kept)
return { ids, repeated }
