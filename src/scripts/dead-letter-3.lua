-- dead-letter: moves one entry to the channel's dead-letter stream, and acknowledges it in the
-- group, in one atomic step (no crash can leave it in both places or in neither).
--
-- KEYS[1] the stream the entry was read from (the channel, or the group's replay stream)
-- KEYS[2] the dead-letter stream ({channel}:dlq)
-- KEYS[3] the group's failure records for KEYS[1] (entry id -> "<first failure ms> <due ms>")
-- ARGV[1] group           ARGV[2] entry id       ARGV[3] channel     ARGV[4] consumer
-- ARGV[5] reason          ARGV[6] error message  ARGV[7] error stack ARGV[8] attempts
-- ARGV[9] '1' to XACK the entry in the group ('0' when it was read with NOACK)
-- ARGV[10] the dead-letter stream's cap (its oldest records beyond it are dropped), '' for none
-- ARGV[11] '1' to delete the entry from KEYS[1] (a replay stream)
-- ARGV[12..] the entry's fields as the consumer read them; used only when the entry is no longer
--            in the stream. Otherwise the fields are copied server-side, byte for byte, so an entry
--            that is not valid UTF-8 reaches the dead-letter stream unchanged.
--
-- With ARGV[9] = '1' the entry must still be pending for this consumer (ARGV[4]): if another
-- consumer took it over, or it was already acknowledged (a re-sent call), nothing is written and
-- the script returns false. That makes the move safe to repeat.
--
-- Returns { the id of the dead-letter record, how many old records the cap dropped }. Its fields:
-- dlq-id (the entry's id in the channel: for an entry of a replay stream, its rs-replay-of field,
-- so a dead letter replayed and failed again still names the original), dlq-channel, dlq-group, dlq-consumer, dlq-reason, dlq-error, dlq-stack, dlq-attempts,
-- dlq-first-failure-ms, dlq-last-failure-ms, then every original field as it was.

if ARGV[9] == '1' then
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
  if #p == 0 or p[1][2] ~= ARGV[4] then return false end
end

local now = rs_int(rs_now_ms())
local first = now
local record = redis.call('HGET', KEYS[3], ARGV[2])
if record then
  first = string.match(record, '^%d+') or now
  redis.call('HDEL', KEYS[3], ARGV[2])
end

local fields
local found = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
if #found > 0 and found[1][2] then
  fields = found[1][2]
else
  fields = {}
  for i = 12, #ARGV do fields[#fields + 1] = ARGV[i] end
end

local original = ARGV[2]
if ARGV[11] == '1' then
  for i = 1, #fields - 1, 2 do
    if fields[i] == 'rs-replay-of' then original = fields[i + 1] end
  end
end

local args = {
  KEYS[2], '*',
  'dlq-id', original, 'dlq-channel', ARGV[3], 'dlq-group', ARGV[1], 'dlq-consumer', ARGV[4],
  'dlq-reason', ARGV[5], 'dlq-error', ARGV[6], 'dlq-stack', ARGV[7], 'dlq-attempts', ARGV[8],
  'dlq-first-failure-ms', first, 'dlq-last-failure-ms', now,
}
if #fields + #args <= 7000 then
  for i = 1, #fields do args[#args + 1] = fields[i] end
else
  -- Lua's unpack cannot pass that many values: keep the original fields as one JSON array.
  args[#args + 1] = 'dlq-fields-json'
  args[#args + 1] = cjson.encode(fields)
end
local id = redis.call('XADD', unpack(args))
if ARGV[9] == '1' then redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) end
if ARGV[11] == '1' then redis.call('XDEL', KEYS[1], ARGV[2]) end
local dropped = 0
if ARGV[10] ~= '' and redis.call('XLEN', KEYS[2]) > tonumber(ARGV[10]) then
  dropped = redis.call('XTRIM', KEYS[2], 'MAXLEN', tonumber(ARGV[10]))
end
return { id, dropped }
