-- publish-keyed: appends a batch of entries to one stream, each entry that carries an idempotency
-- key only if that key was not remembered within the window. Atomic: the check, the append and the
-- record of the key are one step, so two publishers racing with one key append one entry.
--
-- The keys of a channel are remembered in a hash from key to the id it appended, looked up and
-- written once per batch. Each batch's new keys are also logged in one entry of a stream (as its
-- fields and values, in pairs), whose id carries the server time; each call first forgets the keys of (at most two) log
-- entries older than the window, more than it adds, so forgetting keeps up in small steps. Both keys
-- expire a window after the last keyed publish, so a channel that goes quiet leaves nothing behind.
--
-- KEYS[1] the stream
-- KEYS[2] the remembered keys: key -> id of the entry it appended ({channel}:idem)
-- KEYS[3] the log of remembered keys, one entry per batch ({channel}:idem:log)
-- ARGV[1] the window in ms
-- ARGV[2] the field name the key is written under in the entry (rs-idempotency-key)
-- ARGV[3] the number of entries
-- ARGV[4] the number of keyed entries m, negated when two of them have the same key
-- ARGV[5] m rounded up to an even number p
-- ARGV[6 .. 5+p] their keys, in order, and an empty string when m is odd (keys are never empty)
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

-- Forget the keys logged longer ago than the window (a log entry's fields and values are keys).
local time = redis.call('TIME')
local cut = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - window
for _, logged in ipairs(redis.call('XRANGE', KEYS[3], '-', cut, 'COUNT', 2)) do
  redis.call('HDEL', KEYS[2], unpack(logged[2]))
  redis.call('XDEL', KEYS[3], logged[1])
end

local found = {}
if keyed > 0 then found = redis.call('HMGET', KEYS[2], unpack(ARGV, 6, 5 + keyed)) end

local ids, repeated, records, fresh = {}, {}, {}, {}
local at, k = 6 + tonumber(ARGV[5]), 0
for e = 1, count do
  local n = tonumber(ARGV[at])
  local key, first_id = nil, nil
  if n < 0 then
    n = -n
    k = k + 1
    key = ARGV[5 + k]
    first_id = found[k] or (shared and fresh[key])
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
      records[#records + 1] = key
      records[#records + 1] = ids[e]
    end
  end
  at = at + 1 + n * 2
end

if #records > 0 then
  redis.call('HSET', KEYS[2], unpack(records))
  -- Only the keys recorded now are logged (a repeated key's record is forgotten with its first log
  -- entry): all the keys given when they all were, else the recorded ones.
  if #records == 2 * keyed then
    redis.call('XADD', KEYS[3], '*', unpack(ARGV, 6, 5 + tonumber(ARGV[5])))
  else
    local logged = {}
    for i = 1, #records, 2 do logged[#logged + 1] = records[i] end
    if #logged % 2 == 1 then logged[#logged + 1] = '' end
    redis.call('XADD', KEYS[3], '*', unpack(logged))
  end
end
if keyed > 0 then
  redis.call('PEXPIRE', KEYS[2], window)
  redis.call('PEXPIRE', KEYS[3], window)
end
return { ids, repeated }
