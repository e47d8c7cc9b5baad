-- dlq-replay: moves dead letters of one group back to that group, and only to it: each is appended
-- to the group's replay stream ({channel}:replay:<group>, read by that group's consumers of this
-- library besides the channel) and removed from the dead-letter stream, in one atomic step, so a
-- crash can neither lose one nor replay it twice. Nothing is appended to the channel itself, so
-- the other groups reading it (dtpyfw's among them) do not see the replay.
--
-- KEYS[1] the dead-letter stream
-- KEYS[2] the group's replay stream
-- ARGV[1] the group    ARGV[2..] dead-letter ids (of that group)
--
-- Each replayed entry carries the original fields, byte for byte (every field not starting with
-- "dlq-"), plus rs-replay-of (the original entry id in the channel, also for a dead letter that
-- was itself a replay: the rs-replay-of it carried, else its dlq-id). The replay stream gets the consumer group
-- ARGV[1] (from its beginning) when it has none.
-- Returns, per id, the new entry id in the replay stream, or false when no such dead letter of this
-- group exists.

pcall(redis.call, 'XGROUP', 'CREATE', KEYS[2], ARGV[1], '0-0', 'MKSTREAM')
local out = {}
for i = 2, #ARGV do
  local found = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  local f = #found > 0 and found[1][2] or nil
  local meta = f and rs_pairs(f) or {}
  if (not f) or meta['dlq-group'] ~= ARGV[1] then
    out[i - 1] = false
  else
    local args = { KEYS[2], '*' }
    local fields = f
    if meta['dlq-fields-json'] then fields = cjson.decode(meta['dlq-fields-json']) end
    local original = nil
    for j = 1, #fields, 2 do
      local k = fields[j]
      if k == 'rs-replay-of' then original = fields[j + 1] end
      if string.sub(k, 1, 4) ~= 'dlq-' and k ~= 'rs-replay-of' and k ~= 'rs-replay-group' then
        args[#args + 1] = k
        args[#args + 1] = fields[j + 1]
      end
    end
    args[#args + 1] = 'rs-replay-of'
    args[#args + 1] = original or meta['dlq-id'] or ARGV[i]
    out[i - 1] = redis.call('XADD', unpack(args))
    redis.call('XDEL', KEYS[1], ARGV[i])
  end
end
return out
