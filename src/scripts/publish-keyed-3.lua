-- publish-keyed: appends a batch of entries to one stream, each entry that carries an idempotency
-- key only if that key was not remembered within the window. Atomic: the check, the append and the
-- record of the key are one step, so two publishers racing with one key append one entry.
--
-- The keys of a channel are remembered in a hash from key to the id it appended, looked up and
-- written once per batch. Each batch's new keys are also logged as one entry of a stream, whose id
-- carries the server time; each call first forgets the keys of (at most two) log entries older than
-- the window, more than it adds, so forgetting keeps up in small steps. Both keys expire a window
-- after the last keyed publish, so a channel that goes quiet leaves nothing behind.
--
-- KEYS[1] the stream
-- KEYS[2] the remembered keys: key -> id of the entry it appended ({channel}:idem)
-- KEYS[3] the log of remembered keys, one entry per batch ({channel}:idem:log)
-- ARGV[1] the window in ms
-- ARGV[2] the field name the key is written under in the entry (rs-idempotency-key)
-- ARGV[3] the number of entries; then, per entry, its number of field/value pairs n followed by
--         the 2n field and value strings; a keyed entry gives -n instead, and its key after them
--
-- Returns { { the id of each entry: the new one, or the one its key appended first },
--           { the 1-based positions of entries whose key was already there (not appended) } }

local window = tonumber(ARGV[1])
local key_field = ARGV[2]
local count = tonumber(ARGV[3])

-- Forget the keys logged longer ago than the window.
local time = redis.call('TIME')
local cut = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - window
for _, logged in ipairs(redis.call('XRANGE', KEYS[3], '-', cut, 'COUNT', 2)) do
  local fields, old = logged[2], {}
  for i = 1, #fields, 2 do old[#old + 1] = fields[i] end
  if #old > 0 then redis.call('HDEL', KEYS[2], unpack(old)) end
  redis.call('XDEL', KEYS[3], logged[1])
end

-- Where each entry starts, and the keys asked about.
local starts, sizes, key_of, asked = {}, {}, {}, {}
local at = 4
for e = 1, count do
  local n = tonumber(ARGV[at])
  if n < 0 then
    n = -n
    key_of[e] = ARGV[at + 1 + n * 2]
    asked[#asked + 1] = key_of[e]
    starts[e], sizes[e] = at + 1, n
    at = at + 2 + n * 2
  else
    starts[e], sizes[e] = at + 1, n
    at = at + 1 + n * 2
  end
end

local known = {}
if #asked > 0 then
  local found = redis.call('HMGET', KEYS[2], unpack(asked))
  for i, key in ipairs(asked) do
    if found[i] then known[key] = found[i] end
  end
end

local ids, repeated, records = {}, {}, {}
for e = 1, count do
  local key = key_of[e]
  local first_id = key and known[key]
  if first_id then
    ids[e] = first_id
    repeated[#repeated + 1] = e
  else
    local s, n = starts[e], sizes[e]
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
      known[key] = ids[e] -- a second entry with the same key in this batch repeats this one
      records[#records + 1] = key
      records[#records + 1] = ids[e]
    end
  end
end

if #records > 0 then
  redis.call('HSET', KEYS[2], unpack(records))
  redis.call('XADD', KEYS[3], '*', unpack(records))
end
if #asked > 0 then
  redis.call('PEXPIRE', KEYS[2], window)
  redis.call('PEXPIRE', KEYS[3], window)
end
return { ids, repeated }
