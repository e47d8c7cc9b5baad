-- publish-keyed: appends a batch of entries to one stream, each entry that carries an idempotency
-- key only if that key was not seen within the window. Atomic: the check, the append and the
-- record of the key are one step, so two publishers racing with one key append one entry.
--
-- KEYS[1]  the stream
-- KEYS[2..] the record of each keyed entry's key ({channel}:idem:<key>), in the order of the
--           keyed entries (all in the stream's slot)
-- ARGV[1]  the window in ms (a key's record expires after it)
-- ARGV[2]  the number of entries; then, per entry: 1 if it is keyed else 0, its number of
--          field/value pairs n, and the 2n field and value strings
--
-- Returns { { the id of each entry: the new one, or the one its key appended first },
--           { the 1-based positions of entries whose key was already there (not appended) } }

local window = ARGV[1]
local ids, repeated = {}, {}
local at, k = 3, 2
for e = 1, tonumber(ARGV[2]) do
  local keyed = ARGV[at] == '1'
  local last = at + 1 + tonumber(ARGV[at + 1]) * 2
  local first_id = false
  if keyed then first_id = redis.call('GET', KEYS[k]) end
  if first_id then
    ids[e] = first_id
    repeated[#repeated + 1] = e
  else
    local args = { 'XADD', KEYS[1], '*' }
    for j = at + 2, last do args[#args + 1] = ARGV[j] end
    ids[e] = redis.call(unpack(args))
    if keyed then redis.call('SET', KEYS[k], ids[e], 'PX', window) end
  end
  if keyed then k = k + 1 end
  at = last + 1
end
return { ids, repeated }
