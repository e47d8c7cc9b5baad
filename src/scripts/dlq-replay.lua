-- dlq-replay: re-publishes dead letters to their channel and removes them from the dead-letter
-- stream in one atomic step, so a crash can neither lose one nor publish it twice.
--
-- KEYS[1] the dead-letter stream
-- KEYS[2] the channel's stream
-- ARGV    dead-letter entry ids
--
-- Each replayed entry carries the original fields (every field not starting with "dlq-"), plus
-- rs-replay-of (the original entry id) and rs-replay-group (the group that dead-lettered it):
-- consumers of this library in other groups skip it, since they handled the original already.
-- Returns, per id, the new entry id, or false when no such dead letter exists.

local out = {}
for i = 1, #ARGV do
  local found = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if #found == 0 then
    out[i] = false
  else
    local f = found[1][2]
    local meta = {}
    local args = { KEYS[2], '*' }
    for j = 1, #f, 2 do
      local k = f[j]
      if string.sub(k, 1, 4) == 'dlq-' then
        meta[k] = f[j + 1]
      elseif k ~= 'rs-replay-of' and k ~= 'rs-replay-group' then
        args[#args + 1] = k
        args[#args + 1] = f[j + 1]
      end
    end
    args[#args + 1] = 'rs-replay-of'
    args[#args + 1] = meta['dlq-id'] or ARGV[i]
    if meta['dlq-group'] then
      args[#args + 1] = 'rs-replay-group'
      args[#args + 1] = meta['dlq-group']
    end
    out[i] = redis.call('XADD', unpack(args))
    redis.call('XDEL', KEYS[1], ARGV[i])
  end
end
return out
